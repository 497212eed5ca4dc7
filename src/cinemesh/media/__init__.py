"""Video processing service: resumable uploads, probing, the per-title ABR ladder, CMAF packaging,
thumbnails and crash-safe transcoding workers.
"""
