"""Video delivery service: playback sessions, signed URLs, plan limits, DRM keys and licences, and the
origin the CDN edge pulls from.
"""
