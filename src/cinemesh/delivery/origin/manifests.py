"""Per-session manifests: the media service's HLS and DASH manifests, rewritten for one session.

A session's manifests list only the renditions its plan allows, and every URI in them is an
absolute signed URL: media playlists under the session's scope (so they can carry the session's
key URI), init segments and segments under their rendition directory's scope (shared by every
session, so the edge caches them once). No I/O here.
"""

from __future__ import annotations

import posixpath
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass

_RESOLUTION = re.compile(r"RESOLUTION=(\d+)x(\d+)")
_URI_ATTR = re.compile(r'URI="([^"]*)"')

# A function from an object key to the signed URL a player should fetch it from.
UrlFor = Callable[[str], str]


def resolve(base_key: str, reference: str) -> str:
    """The object key a manifest's relative `reference` names (relative to `base_key`'s dir)."""
    if "://" in reference or reference.startswith("/"):
        raise ValueError(f"manifests must reference objects relatively: {reference!r}")
    reference = reference.split("?", 1)[0].split("#", 1)[0]
    key = posixpath.normpath(posixpath.join(posixpath.dirname(base_key), reference))
    if key.startswith("../") or key == "..":
        raise ValueError(f"reference escapes the store: {reference!r}")
    return key


def _height(tag: str) -> int | None:
    match = _RESOLUTION.search(tag)
    return int(match.group(2)) if match else None


def rewrite_hls_master(text: str, *, master_key: str, max_height: int, playlist_url: UrlFor) -> str:
    """Drops variants above `max_height` and points every playlist URI at the session."""
    out: list[str] = []
    pending_variant: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#EXT-X-STREAM-INF"):
            pending_variant = line
            continue
        if pending_variant is not None and not line.startswith("#"):
            height = _height(pending_variant)
            if height is None or height <= max_height:
                out += [pending_variant, playlist_url(resolve(master_key, line))]
            pending_variant = None
            continue
        if line.startswith("#EXT-X-I-FRAME-STREAM-INF"):
            height = _height(line)
            if height is not None and height > max_height:
                continue
        if 'URI="' in line:
            line = _URI_ATTR.sub(lambda m: f'URI="{playlist_url(resolve(master_key, m.group(1)))}"', line)
        out.append(line)
    return "\n".join(out) + "\n"


@dataclass(frozen=True)
class HlsEncryption:
    key_url: str
    iv_for: Callable[[str], bytes]  # object key of a clear segment -> its IV
    encrypted_url_for: UrlFor  # object key of a clear segment -> URL of its encrypted copy


def rewrite_hls_media(
    text: str, *, playlist_key: str, segment_url: UrlFor, encryption: HlsEncryption | None
) -> str:
    """Signs the init and segment URIs; with `encryption`, points segments at their AES-128
    copies and gives each its EXT-X-KEY (after EXT-X-MAP, so the init segment stays clear)."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#EXT-X-KEY"):
            continue
        if line.startswith("#EXT-X-BYTERANGE") and encryption is not None:
            raise ValueError("whole-segment AES-128 needs one file per segment, not byte ranges")
        if line.startswith("#EXT-X-MAP"):
            line = _URI_ATTR.sub(lambda m: f'URI="{segment_url(resolve(playlist_key, m.group(1)))}"', line)
        elif not line.startswith("#"):
            key = resolve(playlist_key, line)
            # Subtitles stay clear: players fetch WebVTT as text, and captions are not the asset.
            if encryption is None or key.endswith(".vtt"):
                line = segment_url(key)
            else:
                iv = encryption.iv_for(key).hex()
                out.append(f'#EXT-X-KEY:METHOD=AES-128,URI="{encryption.key_url}",IV=0x{iv}')
                line = encryption.encrypted_url_for(key)
        out.append(line)
    return "\n".join(out) + "\n"


_MPD_NS = "urn:mpeg:dash:schema:mpd:2011"
_CENC_NS = "urn:mpeg:cenc:2013"
_DASHIF_NS = "https://dashif.org/CPS"
ET.register_namespace("", _MPD_NS)
ET.register_namespace("cenc", _CENC_NS)
ET.register_namespace("dashif", _DASHIF_NS)
ET.register_namespace("xsi", "http://www.w3.org/2001/XMLSchema-instance")
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")


def _q(tag: str) -> str:
    return f"{{{_MPD_NS}}}{tag}"


@dataclass(frozen=True)
class DashProtection:
    default_kid_uuid: str  # e.g. 0f3c...-...; the key id in UUID form
    license_url: str
    scheme: str = "cenc"  # or "cbcs"


def _representation_scope(mpd_key: str, adaptation: ET.Element, representation: ET.Element) -> str:
    """The directory holding a representation's segments (that of its init segment)."""
    template = representation.find(_q("SegmentTemplate"))
    if template is None:
        template = adaptation.find(_q("SegmentTemplate"))
    init = template.get("initialization") if template is not None else None
    if init is None:  # SegmentList: the Initialization element names the file
        initialization = representation.find(f"{_q('SegmentList')}/{_q('Initialization')}")
        init = initialization.get("sourceURL") if initialization is not None else None
    if not init:
        return posixpath.dirname(mpd_key) + "/"
    init = init.replace("$RepresentationID$", representation.get("id", ""))
    return posixpath.dirname(resolve(mpd_key, init)) + "/"


def rewrite_dash(
    text: str,
    *,
    mpd_key: str,
    max_height: int,
    base_url_for: Callable[[str, str], str],
    protection: DashProtection | None,
) -> str:
    """Drops video representations above `max_height`; gives each representation a signed
    BaseURL (`base_url_for(scope, directory)`) and, with `protection`, ClearKey signalling."""
    root = ET.fromstring(text)  # noqa: S314 - our media service's MPD
    mpd_dir = posixpath.dirname(mpd_key) + "/"
    for period in root.findall(_q("Period")):
        for adaptation in list(period.findall(_q("AdaptationSet"))):
            for representation in list(adaptation.findall(_q("Representation"))):
                height = representation.get("height") or adaptation.get("height")
                if height is not None and int(height) > max_height:
                    adaptation.remove(representation)
                    continue
                scope = _representation_scope(mpd_key, adaptation, representation)
                base = ET.Element(_q("BaseURL"))
                base.text = base_url_for(scope, mpd_dir)
                representation.insert(0, base)
            if adaptation.find(_q("Representation")) is None:
                period.remove(adaptation)
                continue
            if "maxHeight" in adaptation.attrib:
                heights = [int(r.get("height", "0")) for r in adaptation.findall(_q("Representation"))]
                adaptation.set("maxHeight", str(max(heights)))
                widths = [int(r.get("width", "0")) for r in adaptation.findall(_q("Representation"))]
                adaptation.set("maxWidth", str(max(widths)))
            if protection is not None and adaptation.get("contentType") != "text":
                _protect(adaptation, protection)  # subtitles are not encrypted
    return ET.tostring(root, encoding="unicode", xml_declaration=True)


def _protect(adaptation: ET.Element, protection: DashProtection) -> None:
    mp4 = ET.Element(
        _q("ContentProtection"),
        {
            "schemeIdUri": "urn:mpeg:dash:mp4protection:2011",
            "value": protection.scheme,
            f"{{{_CENC_NS}}}default_KID": protection.default_kid_uuid,
        },
    )
    clearkey = ET.Element(
        _q("ContentProtection"),
        {"schemeIdUri": "urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e", "value": "ClearKey1.0"},
    )
    laurl = ET.SubElement(clearkey, f"{{{_DASHIF_NS}}}Laurl", {"Lic_type": "EME-1.0"})
    laurl.text = protection.license_url
    for position, element in enumerate((mp4, clearkey)):
        adaptation.insert(position, element)
