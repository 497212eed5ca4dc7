"""Use cases of the delivery service (keyword-only command handlers).

The skeleton holds no rules yet; its issue fills it in.
"""
