"""Handlers of the events the delivery service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
