"""Handlers of the events the discovery service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
