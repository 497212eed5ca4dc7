"""Catalog service: titles, their metadata and lifecycle."""
