"""The users service's HTTP edge: routes per resource, their context, schemas and problems."""
