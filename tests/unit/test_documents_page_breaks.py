"""No heading alone at the foot of a PDF's page: it goes over with what it titles.

A cooperative's document is made with projects of many lengths, so that pages
end at every kind of place; each page's text (``pdftotext``, page by page) must
not end with a pillar's, an engagement's or a project's title.
"""

import shutil
import subprocess

import pytest

from commitments.models import Project, Selection
from qualicoop.documents import cooperative
from qualicoop.lib import file_store
from tests import factories

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed"
    ),
]

WORDS = ["Les", "ménages", "relogés", "suivent", "un", "accompagnement", "social", "renforcé"]


def _pages(pdf: bytes) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [page for page in text.split("\f") if page.strip()]


def _body_lines(page: str, margins: set[str]) -> list[str]:
    """The page's lines without its running header and footer."""
    return [
        line.strip()
        for line in page.splitlines()
        if line.strip() and line.strip() not in margins and not line.strip().startswith("Page ")
    ]


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("step", [7, 11, 13])
def test_no_page_ends_with_a_heading(reference, campaign, coop_a, reviewer, step):
    selection = factories.make_published(
        coop_a, campaign, reviewer, numbers=range(1, 13), projects_per=3
    )
    for index, project in enumerate(
        Project.objects.filter(choice__selection=selection).order_by("pk")
    ):
        words = 15 + (index * step) % 120
        Project.objects.filter(pk=project.pk).update(
            description=" ".join(WORDS[i % len(WORDS)] for i in range(words)) + ".",
            objectives="Loger les familles avant l'hiver." if index % 2 else "",
        )
    selection = Selection.objects.get(pk=selection.pk)
    document = cooperative.refresh(selection.pk)
    pages = _pages(file_store.read(document.key))
    projects = Project.objects.filter(choice__selection=selection).select_related(
        "choice__engagement__pillar"
    )
    headings = {_flat(project.title) for project in projects}
    for project in projects:
        engagement = project.choice.engagement
        headings.add(_flat(engagement.title))
        # The kicker above an engagement's title is part of its heading.
        headings.add(f"ENGAGEMENT {engagement.number} · PILIER {engagement.pillar.number}")
        headings.add(_flat(f"Pilier {engagement.pillar.number} : {engagement.pillar.name}"))
    # The running header and footer: the lines every page has (the title, the validity).
    margins = set.intersection(*({line.strip() for line in page.splitlines()} for page in pages))

    assert len(pages) > 3
    ends = []
    for number, page in enumerate(pages[:-1], start=1):
        last = _flat(" ".join(_body_lines(page, margins)[-3:]))
        ends += [(number, heading) for heading in headings if last.endswith(heading)]
    assert not ends, ends
