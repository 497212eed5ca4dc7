"""HTTP routes of the analytics service: one module per resource, each exposing `router`."""
