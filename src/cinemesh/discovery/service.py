"""Use cases of the discovery service (keyword-only command handlers).

The skeleton holds no rules yet; its issue fills it in.
"""
