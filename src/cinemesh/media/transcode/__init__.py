"""From a source file to a packaged ladder: probe, encode, package, thumbnails, quality."""
