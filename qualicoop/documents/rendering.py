"""HTML templates made into PDF by WeasyPrint, with the documents' own print stylesheet.

Nothing outside the document is ever fetched: the templates reference no
image, font or stylesheet by address, and the fetcher refuses every URL, so
that no text typed by a cooperative could make the server read a file or call
an address while the PDF is laid out.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from .palette import pillar_colours, site_colours

logger = logging.getLogger("qualicoop.documents")

STYLESHEET_TEMPLATE = "documents/pdf.css"


@dataclass(frozen=True)
class Rendered:
    html: str
    digest: str  # SHA-256 of the HTML: same content, same PDF


def render_html(template: str, context: dict[str, Any]) -> Rendered:
    """The document's HTML, always in French: it is the federation's record, not a page."""
    with translation.override("fr"):
        html = render_to_string(template, context)
    return Rendered(html=html, digest=hashlib.sha256(html.encode()).hexdigest())


def _stylesheet() -> str:
    with translation.override("fr"):
        return render_to_string(
            STYLESHEET_TEMPLATE,
            {"pillars": sorted(pillar_colours().items()), "site": site_colours()},
        )


def to_pdf(rendered: Rendered) -> tuple[bytes, float]:
    """The PDF of ``rendered`` and the seconds it took."""
    # Imported here: WeasyPrint loads Pango when imported, which only the
    # processes that make PDFs need to pay for.
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    started = time.perf_counter()
    refuse_all = URLFetcher(allowed_protocols=())
    document = HTML(string=rendered.html, url_fetcher=refuse_all)
    pdf = document.write_pdf(stylesheets=[CSS(string=_stylesheet(), url_fetcher=refuse_all)])
    duration = time.perf_counter() - started
    logger.info("pdf_rendered bytes=%s seconds=%.2f", len(pdf or b""), duration)
    return bytes(pdf or b""), duration
