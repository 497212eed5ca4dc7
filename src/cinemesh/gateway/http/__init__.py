"""The gateway's own routes: the home page, the account export, the merged OpenAPI document."""
