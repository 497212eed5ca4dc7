"""Repositories of the discovery service over its own database.

The skeleton holds no rules yet; its issue fills it in.
"""
