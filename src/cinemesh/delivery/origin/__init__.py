"""The origin: signed media URLs, per-session manifests and the routes the edge pulls from."""
