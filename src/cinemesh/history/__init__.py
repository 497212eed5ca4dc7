"""Viewing history service: watch progress, continue-watching and cross-device resume, built from
playback events.
"""
