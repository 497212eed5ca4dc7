"""The JSON documents the media API returns."""

from __future__ import annotations

from typing import Any

from cinemesh.media.store.videos import VideoRow, as_utc

_RENDITION_FIELDS = (
    "height",
    "width",
    "bitrate",
    "average_bitrate",
    "codecs",
    "frame_rate",
    "vmaf",
    "playlist_key",
)


def video_document(row: VideoRow) -> dict[str, Any]:
    result = row.result or {}
    return {
        "video_id": row.id,
        "title_id": row.title_id,
        "kind": row.kind,
        "status": row.status,
        "stage": row.stage,
        "progress": round(row.progress, 1),
        "error": row.error,
        "filename": row.filename,
        "size_bytes": row.size_bytes,
        "uploaded_bytes": row.offset_bytes,
        "duration_seconds": result.get("duration_seconds"),
        "complete": bool(result.get("complete", False)),
        "renditions": [
            {field: rendition.get(field) for field in _RENDITION_FIELDS}
            for rendition in result.get("renditions", [])
        ],
        "audio_tracks": [
            {"language": track.get("language"), "name": track.get("name")}
            for track in result.get("audio_tracks", [])
        ],
        "subtitle_tracks": [
            {"language": track.get("language"), "name": track.get("name"), "vtt": track.get("vtt_key")}
            for track in result.get("subtitle_tracks", [])
        ],
        "manifests": {
            "hls": result.get("hls_master_key"),
            "dash": result.get("dash_manifest_key"),
            "thumbnails_vtt": result.get("thumbnails_vtt_key"),
            "poster": result.get("poster_key"),
            "preview": result.get("preview_key"),
        },
        "created_at": as_utc(row.created_at).isoformat(),
        "updated_at": as_utc(row.updated_at).isoformat(),
    }
