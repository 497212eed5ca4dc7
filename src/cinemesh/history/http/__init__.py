"""HTTP routes of viewing history, one module per resource."""
