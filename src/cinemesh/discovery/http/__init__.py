"""HTTP routes of the discovery service: one module per resource, each exposing `router`."""
