"""Handlers of the events the billing service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
