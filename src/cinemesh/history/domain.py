"""Entities, value objects and rules of the history service. No I/O here.

The skeleton holds no rules yet; its issue fills it in.
"""
