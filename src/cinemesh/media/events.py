"""Handlers of the events the media service consumes.

The skeleton holds no rules yet; its issue fills it in.
"""
