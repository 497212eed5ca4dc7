"""Where a video's files live: the one owner of every object key and file name media writes.

Everything of a video sits under one prefix, `videos/{video_id}/`, and the local packaging
directory (`out`) has the same layout below it, so a relative path here names both a file under
`out` and an object under the prefix:

    source                                the upload (deleted after the job unless kept)
    master.m3u8, manifest.mpd             HLS master and DASH MPD over the same segments
    v{N}/index.m3u8, init.mp4, seg_*.m4s  one CMAF rendition per rung (N = nominal height)
    audio/, audio_{N}/                    one AAC-LC rendition per audio language, same files
    subs_{N}/subtitles.vtt, index.m3u8    one WebVTT subtitle track and its HLS playlist
    thumbs/sprite_NNN.jpg, thumbs/thumbnails.vtt  trick-play sheets and their WebVTT index
    poster.jpg, preview.mp4
    tiles/, candidates/                   scratch of the extras, never uploaded

Nobody outside media builds these keys: `media.video.transcoded.v1` carries the prefix and every
key a consumer reads (delivery serves and purges by them), so this layout may change.
"""

from __future__ import annotations

from dataclasses import dataclass

ROOT = "videos"
SOURCE = "source"
MASTER = "master.m3u8"
DASH_MANIFEST = "manifest.mpd"
# Put last: a player that finds them finds every object they name.
MANIFESTS = (DASH_MANIFEST, MASTER)
PLAYLIST = "index.m3u8"
INIT_SEGMENT = "init.mp4"
SEGMENTS = "seg_%05d.m4s"  # ffmpeg's pattern
SUBTITLES = "subtitles.vtt"
THUMBS = "thumbs"
THUMBNAILS_VTT = f"{THUMBS}/thumbnails.vtt"
SPRITES = "sprite_%03d.jpg"  # under THUMBS
SPRITE_GLOB = "sprite_*.jpg"
POSTER = "poster.jpg"
PREVIEW = "preview.mp4"
TILES = "tiles"  # single trick-play tiles, before they become sheets
TILE_FILES = "tile_%05d.jpg"
CANDIDATES = "candidates"  # poster candidates, before the pick
CANDIDATE_FILES = "poster_%03d.jpg"
CANDIDATE_GLOB = "poster_*.jpg"


def rung_dir(name: int) -> str:
    return f"v{name}"


def audio_dir(position: int) -> str:
    # The first keeps the name it always had, so ladders made before multi-audio still resolve.
    return "audio" if position == 0 else f"audio_{position}"


def subtitle_dir(position: int) -> str:
    return f"subs_{position}"


def playlist(directory: str) -> str:
    return f"{directory}/{PLAYLIST}"


def init_segment(directory: str) -> str:
    return f"{directory}/{INIT_SEGMENT}"


def subtitles(directory: str) -> str:
    return f"{directory}/{SUBTITLES}"


def in_directory(directory: str, name: str) -> str:
    """A file of a rendition directory by the name its playlist gives (a segment)."""
    return f"{directory}/{name}"


@dataclass(frozen=True)
class VideoKeys:
    """The object keys of one video."""

    video_id: str

    @property
    def prefix(self) -> str:
        """Every key of the video starts with it (ends with `/`)."""
        return f"{ROOT}/{self.video_id}/"

    def key(self, relative: str) -> str:
        """The object key of `relative` (a path of the layout above)."""
        return self.prefix + relative

    @property
    def source(self) -> str:
        return self.key(SOURCE)

    @property
    def master(self) -> str:
        return self.key(MASTER)

    @property
    def dash_manifest(self) -> str:
        return self.key(DASH_MANIFEST)
