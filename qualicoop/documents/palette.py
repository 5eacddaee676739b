"""The pillars' (and the site's) colours for documents, read from the site's own stylesheet.

Each pillar has its colour everywhere: the stylesheet declares it
once, as ``--qc-pillar-<n>`` and ``--qc-pillar-<n>-soft``, and the PDFs and
spreadsheets read the same declarations instead of restating them.
"""

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders

STYLESHEET = "css/qualicoop.css"
_DECLARATION = re.compile(r"--qc-pillar-(\d)(-soft)?\s*:\s*(#[0-9a-fA-F]{6})\b")
_SITE_DECLARATION = re.compile(r"--qc-(ink|brand|muted|surface)\s*:\s*(#[0-9a-fA-F]{6})\b")
# Should the stylesheet ever lose its declarations, documents stay legible in
# the site's ink colour rather than failing.
_INK, _PAPER = "#1f2933", "#f5f7fa"


@dataclass(frozen=True)
class PillarColours:
    strong: str  # titles, bands, borders
    soft: str  # the band's background


def _stylesheet_text() -> str:
    found = finders.find(STYLESHEET)
    path = Path(found if isinstance(found, str) else settings.BASE_DIR / "static" / STYLESHEET)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


@cache
def pillar_colours() -> dict[int, PillarColours]:
    """Pillar number -> its colours, as the stylesheet declares them."""
    strong: dict[int, str] = {}
    soft: dict[int, str] = {}
    for number, is_soft, colour in _DECLARATION.findall(_stylesheet_text()):
        (soft if is_soft else strong).setdefault(int(number), colour.lower())
    return {
        number: PillarColours(strong=colour, soft=soft.get(number, _PAPER))
        for number, colour in strong.items()
    }


@cache
def site_colours() -> dict[str, str]:
    """The site's ink, brand, muted and surface colours, by those names."""
    found = dict(_SITE_DECLARATION.findall(_stylesheet_text()))
    defaults = {"ink": _INK, "brand": _INK, "muted": _INK, "surface": _PAPER}
    return {name: found.get(name, default).lower() for name, default in defaults.items()}


def colours_of(number: int) -> PillarColours:
    return pillar_colours().get(number, PillarColours(strong=_INK, soft=_PAPER))
