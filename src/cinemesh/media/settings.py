"""Settings of the media service, read from `CINEMESH_MEDIA_*` environment variables."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings

from cinemesh.platform.settings import settings_config

GIB = 1024**3


def bundled_ffmpeg() -> str:
    """The static ffmpeg 9 shipped in the `imageio-ffmpeg` wheel (libvmaf, sound CENC fMP4)."""
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


class MediaSettings(BaseSettings):
    model_config = settings_config("CINEMESH_MEDIA_")

    ffmpeg_path: str | None = Field(None, description="ffmpeg binary; default: the one in imageio-ffmpeg.")
    workers: int = Field(1, ge=0, le=16, description="Transcoding workers this process runs; 0 = API only.")
    keep_originals: bool = Field(True, description="Keep the uploaded file in the object store when done.")

    max_upload_bytes: int = Field(20 * GIB, ge=1)
    max_duration_seconds: float = Field(4 * 3600, gt=0)
    max_width: int = Field(7680, ge=16)
    max_height: int = Field(4320, ge=16)
    min_free_disk_bytes: int = Field(2 * GIB, ge=0, description="Uploads and jobs refuse to go below this.")

    ladder_heights: list[int] = Field(
        default_factory=lambda: [2160, 1440, 1080, 720, 480, 360, 240],
        description="Rungs to offer (nominal heights); each title gets those up to its own height.",
    )
    x264_preset: str = Field("veryfast", description="libx264 preset of every rung.")
    segment_seconds: int = Field(4, ge=2, le=10)
    gop_seconds: int = Field(2, ge=1, le=5)
    early_first_rung: bool = Field(
        True,
        description="Publish the lowest rung first (two passes side by side, two decodes); "
        "off: one pass, one decode, about 13% less CPU at veryfast, playable only when all is done.",
    )
    rest_pass_niceness: int = Field(
        19,
        ge=0,
        le=19,
        description="CPU niceness of the second pass (the rungs above the first), run beside the first.",
    )
    vmaf_subsample: int = Field(8, ge=1, description="Score every Nth frame for VMAF.")
    vmaf: bool = Field(True, description="Measure each rung's VMAF against the source.")

    lease_seconds: float = Field(30.0, gt=1)
    heartbeat_seconds: float = Field(5.0, gt=0)
    poll_seconds: float = Field(1.0, gt=0)
    max_attempts: int = Field(4, ge=1)
    retry_base_seconds: float = Field(5.0, ge=0)
    probe_timeout_seconds: float = Field(20.0, gt=0)
    job_timeout_seconds: float = Field(6 * 3600, gt=0, description="A job still running after this fails.")

    title_wait_seconds: float = Field(
        3.0,
        ge=0,
        le=30,
        description="How long creating an upload waits for a title the catalog's events did not bring yet.",
    )
    upload_expiry_seconds: float = Field(
        24 * 3600, gt=0, description="An unfinished upload idle for this long expires (tus Upload-Expires)."
    )
    upload_sweep_seconds: float = Field(
        300.0, gt=0, description="How often expired uploads are failed and their spool files deleted."
    )

    spool_dir: Path | None = Field(
        None,
        description="Where tus chunks land; default DATA_DIR/media/uploads. Share it between API replicas.",
    )
    work_dir: Path | None = Field(None, description="Scratch space of jobs; default DATA_DIR/media/work.")

    def ffmpeg(self) -> str:
        return self.ffmpeg_path or bundled_ffmpeg()


class LiveSettings(BaseSettings):
    model_config = settings_config("CINEMESH_MEDIA_LIVE_")

    keepalive_seconds: float = Field(
        15.0, gt=0, description="A comment line this often keeps proxies from cutting an idle stream."
    )
    retry_ms: int = Field(2000, ge=0, description="The reconnection delay a client is told to use.")
    fallback_poll_seconds: float = Field(
        1.0, gt=0, description="Re-read interval while the event follower is not (yet) positioned."
    )
    buffer: int = Field(32, ge=1, description="Unread notifications per stream before it is dropped.")
