"""Delivery's use cases: playback sessions (`playback`), licences (`licences`), the profile
unlock and the device confirmation they rely on."""
