"""Search and recommendation service: full-text search, trending, similar titles and personal
recommendations, built from catalog and viewing events.
"""
