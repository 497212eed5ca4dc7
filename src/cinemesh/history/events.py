"""Handlers of the events the history service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
