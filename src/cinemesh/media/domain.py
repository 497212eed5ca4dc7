"""Entities, value objects and rules of the media service. No I/O here.

The skeleton holds no rules yet; its issue fills it in.
"""
