"""Handlers of the events the analytics service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
