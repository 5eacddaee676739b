"""HTML templates made into PDF by WeasyPrint, with the documents' own print stylesheet.

Nothing outside the document is ever fetched: the templates reference no
image, font or stylesheet by address, and the fetcher refuses every URL, so
that no text typed by a cooperative could make the server read a file or call
an address while the PDF is laid out.

Every PDF is laid out by the task worker, within bounds: a time limit
(``PDF_TIME_LIMIT``) and a number of pages (``PDF_MAX_PAGES``) checked once
laid out, before it is written. Past either, ``DocumentRefused`` says why in
French, for the page that follows the document.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from qualicoop.lib.time_limit import TimeLimitExceeded, time_limit

from .palette import pillar_colours, site_colours

logger = logging.getLogger("qualicoop.documents")

STYLESHEET_TEMPLATE = "documents/pdf.css"


class DocumentRefused(Exception):
    """The document cannot be made within its bounds; the message says why, in French."""


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
    """The PDF of ``rendered`` and the seconds it took; ``DocumentRefused`` past the bounds."""
    # Imported here: WeasyPrint loads Pango when imported, which only the
    # processes that make PDFs need to pay for.
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    started = time.perf_counter()
    refuse_all = URLFetcher(allowed_protocols=())
    limit = settings.PDF_MAX_PAGES
    try:
        with time_limit(settings.PDF_TIME_LIMIT):
            document = HTML(string=rendered.html, url_fetcher=refuse_all).render(
                stylesheets=[CSS(string=_stylesheet(), url_fetcher=refuse_all)]
            )
            if len(document.pages) > limit:
                logger.warning("pdf_too_long pages=%s limit=%s", len(document.pages), limit)
                raise DocumentRefused(
                    ngettext(
                        "Le document dépasserait %(limit)s page, le plus que le portail "
                        "produise : raccourcissez les textes, ou regroupez des projets.",
                        "Le document dépasserait %(limit)s pages, le plus que le portail "
                        "produise : raccourcissez les textes, ou regroupez des projets.",
                        limit,
                    )
                    % {"limit": limit}
                )
            # Tagged PDF/UA-1: a structure tree (headings, lists, tables) in
            # reading order, French as its language and the viewer told to show
            # the title rather than the file name, so that a screen reader can
            # follow the document as it follows the page it was made from.
            pdf = document.write_pdf(pdf_variant="pdf/ua-1")
    except TimeLimitExceeded:
        logger.warning("pdf_too_slow seconds=%s", settings.PDF_TIME_LIMIT)
        raise DocumentRefused(
            _(
                "La mise en page du document a pris trop de temps et a été arrêtée : "
                "raccourcissez les textes, ou regroupez des projets."
            )
        ) from None
    duration = time.perf_counter() - started
    logger.info("pdf_rendered bytes=%s seconds=%.2f", len(pdf or b""), duration)
    return bytes(pdf or b""), duration
