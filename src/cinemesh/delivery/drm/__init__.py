"""Content protection: per-title content keys (encrypted at rest), HLS AES-128 packaging, the
W3C ClearKey licence, and the port where Widevine/FairPlay/PlayReady licence adapters plug in."""
