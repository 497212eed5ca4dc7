"""What the origin serves beyond plain objects: a session's manifests and key, and the
AES-128 copies of segments. Reads the object store; signs every URL it writes."""

from __future__ import annotations

import asyncio
import uuid

from cinemesh.delivery.domain import ManifestMissing, ObjectNotFound, PlanQualityLimit
from cinemesh.delivery.drm.hls_aes import encrypt_segment, segment_iv
from cinemesh.delivery.drm.keys import ContentKeys
from cinemesh.delivery.layout import (
    AES_PATH_PREFIX,
    encrypted_object_key,
    package_manifest_key,
    session_scope,
)
from cinemesh.delivery.origin import manifests
from cinemesh.delivery.origin.signing import STREAM_PREFIX, UrlSigner
from cinemesh.delivery.store.tables import SessionRow, VideoRow, utc
from cinemesh.platform.storage import InvalidKeyError, ObjectNotFoundError, ObjectStore


def directory_of(key: str) -> str:
    return key.rsplit("/", 1)[0] + "/"


class SessionMedia:
    def __init__(self, *, store: ObjectStore, signer: UrlSigner, keys: ContentKeys, hls_aes128: bool) -> None:
        self.store = store
        self.signer = signer
        self.keys = keys
        self.hls_aes128 = hls_aes128
        self._encrypting: dict[str, asyncio.Lock] = {}

    # -- URLs -------------------------------------------------------------------------------

    @staticmethod
    def _expires(row: SessionRow) -> int:
        return int(utc(row.expires_at).timestamp())

    def session_url(self, row: SessionRow, name: str) -> str:
        scope = session_scope(row.session_id)
        return self.signer.url(scope, scope + name, expires=self._expires(row), ip=row.client_ip)

    def object_url(self, row: SessionRow, key: str) -> str:
        """A shared object's URL, its token scoped to the object's directory (for directories
        whose every object the session may have: a thumbnail sheet's sprites)."""
        return self.signer.url(directory_of(key), key, expires=self._expires(row), ip=row.client_ip)

    def exact_url(self, row: SessionRow, key: str) -> str:
        """A shared object's URL whose token opens that object alone. Every URI of an HLS media
        playlist gets one: a rendition directory also holds the clear segments, so a directory
        token handed out for its init segment would open them (AES-128 bypassed)."""
        return self.signer.object_url(key, expires=self._expires(row), ip=row.client_ip)

    def base_url(self, row: SessionRow, scope: str, directory: str) -> str:
        """A DASH BaseURL: `directory` with a token for `scope`, the representation's own
        directory, which may lie below it (segment paths resolve into the scope)."""
        token = self.signer.token(scope, expires=self._expires(row), ip=row.client_ip)
        return f"{STREAM_PREFIX}{token}/{directory}"

    # -- manifests --------------------------------------------------------------------------

    async def _text(self, key: str) -> str:
        try:
            return (await self.store.get_bytes(key)).decode()
        except (ObjectNotFoundError, InvalidKeyError):  # InvalidKeyError: e.g. ".." in a request path
            raise ManifestMissing("The title's manifest is missing.") from None

    async def hls_master(self, row: SessionRow, video: VideoRow) -> str:
        prefix = video.storage_prefix

        def playlist_url(key: str) -> str:
            if not key.startswith(prefix):
                raise ValueError(f"{key!r} is outside the video")
            return self.session_url(row, "p/" + key.removeprefix(prefix))

        return manifests.rewrite_hls_master(
            await self._text(video.hls_master_key),
            master_key=video.hls_master_key,
            max_height=row.max_height,
            playlist_url=playlist_url,
        )

    async def hls_media(self, row: SessionRow, video: VideoRow, relative: str) -> str:
        key = video.storage_prefix + relative
        heights = {r["playlist_key"]: int(r["height"]) for r in video.renditions}
        if heights.get(key, 0) > row.max_height:
            raise PlanQualityLimit("This rendition is above the session's plan.")
        if not key.endswith(".m3u8") or (key not in heights and not key.startswith(video.storage_prefix)):
            raise ObjectNotFound("No such playlist.")
        encryption = None
        if self.hls_aes128:
            content_key = await self.keys.get(video.video_id)
            encryption = manifests.HlsEncryption(
                key_url=self.session_url(row, "key"),
                iv_for=lambda clear: segment_iv(content_key.kid, clear),
                encrypted_url_for=lambda clear: self.exact_url(row, AES_PATH_PREFIX + clear),
            )
        return manifests.rewrite_hls_media(
            await self._text(key),
            playlist_key=key,
            segment_url=lambda k: self.exact_url(row, k),
            encryption=encryption,
        )

    async def cenc_package(self, video: VideoRow) -> str | None:
        """The key of the video's CENC-packaged MPD, if packaging has finished."""
        key = package_manifest_key(video.storage_prefix)
        return key if await self.store.exists(key) else None

    async def dash(self, row: SessionRow, video: VideoRow, *, license_url: str, clearkey: bool) -> str:
        """The CENC package with ClearKey signalling when it exists (and ClearKey is on); the
        media service's clear MPD only where nothing is encrypted (`clear_dash_allowed`)."""
        mpd_key = await self.cenc_package(video) if clearkey else None
        protection = None
        if mpd_key is not None:
            kid = (await self.keys.get(video.video_id)).kid
            protection = manifests.DashProtection(
                default_kid_uuid=str(uuid.UUID(bytes=kid)), license_url=license_url
            )
        elif self.clear_dash_allowed(clearkey=clearkey):
            mpd_key = video.dash_manifest_key
        else:
            raise ManifestMissing(
                "This title is served encrypted and its DASH package is not ready: play HLS."
            )
        if mpd_key is None:
            raise ManifestMissing("This title has no DASH manifest.")
        return manifests.rewrite_dash(
            await self._text(mpd_key),
            mpd_key=mpd_key,
            max_height=row.max_height,
            base_url_for=lambda scope, directory: self.base_url(row, scope, directory),
            protection=protection,
        )

    def clear_dash_allowed(self, *, clearkey: bool) -> bool:
        """The clear MPD's tokens open the clear segments: handing them out while HLS is
        encrypted, or before the CENC package exists, would bypass the encryption."""
        return not clearkey and not self.hls_aes128

    # -- AES-128 copies ---------------------------------------------------------------------

    async def ensure_encrypted(self, video_id: str, clear_key: str) -> str:
        """The store key of the segment's AES-128 copy, made (once) on first request."""
        target = encrypted_object_key(clear_key)
        if await self.store.exists(target):
            return target
        lock = self._encrypting.setdefault(target, asyncio.Lock())
        async with lock:
            if not await self.store.exists(target):
                content_key = await self.keys.get(video_id)
                clear = await self.store.get_bytes(clear_key)
                encrypted = await asyncio.to_thread(encrypt_segment, content_key, clear_key, clear)
                await self.store.put_bytes(target, encrypted, content_type="video/iso.segment")
        self._encrypting.pop(target, None)
        return target
