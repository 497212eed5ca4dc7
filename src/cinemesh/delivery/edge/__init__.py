"""The CDN edge as seen from the origin: purging what it cached when content changes."""
