"""HTTP of the media service: tus uploads, a video's state and its live progress stream."""
