"""The portal's PDFs are tagged PDF/UA-1 documents a screen reader can follow.

Each kind of PDF (the cooperative's validated document, the members' working
document, the campaign's synthesis, the index of the dossier de révision) is
made as the portal makes it, then read back: a structure tree, marked content,
the title shown by the viewer instead of the file name, French as the
document's language, and the checker's verdict. The checker, ``pdfua``,
covers the machine-decidable part of PDF/UA-1 (ISO 14289-1): the structure
tree, MarkInfo, untagged content, the natural language, alternative text of
figures, table structure, annotations, empty headings, the title and its
display, and the PDF/UA identification; reading order and the meaning of the
tags are for a person to check.
"""

import io
import zipfile

import pikepdf
import pytest
from pdfua import validate

from commitments.models import Selection
from qualicoop.documents import cooperative, dossier, synthesis
from qualicoop.lib import file_store
from tests import factories

EIGHT = [1, 2, 3, 4, 5, 6, 7, 8]


@pytest.fixture
def published(campaign, coop_a, reviewer):
    selection = factories.make_published(coop_a, campaign, reviewer, numbers=EIGHT)
    return Selection.objects.get(pk=selection.pk)


def _made(kind, published, tmp_path):
    if kind == "cooperative":
        return file_store.read(cooperative.refresh(published.pk).key)
    if kind == "working":
        return cooperative.working_pdf(published)
    if kind == "synthesis":
        return synthesis.pdf(synthesis.compute(published.campaign))
    archive = zipfile.ZipFile(io.BytesIO(dossier.build(published.cooperative)))
    (index,) = [name for name in archive.namelist() if name.endswith(".pdf") and "/" not in name]
    return archive.read(index)


KINDS = ["cooperative", "working", "synthesis", "dossier"]


def _assert_tagged_titled_and_french(content: bytes) -> None:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert "/StructTreeRoot" in pdf.Root
        assert str(pdf.Root.Lang) == "fr"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        assert str(pdf.docinfo.Title).strip()


def _elements(node):
    """Every structure element under ``node``, depth first (the reading order)."""
    kids = node.get("/K")
    if kids is None:
        return
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def _marks_content(element) -> bool:
    kids = element.get("/K")
    if kids is None:
        return False
    for kid in kids if isinstance(kids, pikepdf.Array) else [kids]:
        if not isinstance(kid, pikepdf.Dictionary):
            return True  # a marked-content id: text on the page
        if kid.get("/Type") == "/MCR" or _marks_content(kid):
            return True
    return False


def _structure(content: bytes) -> list:
    with pikepdf.open(io.BytesIO(content)) as pdf:
        return [
            (
                str(element.S),
                _marks_content(element),
                str(element.get("/ID", "")),
                [str(header) for header in element.get("/A", {}).get("/Headers", [])],
            )
            for element in _elements(pdf.Root.StructTreeRoot)
        ]


def _assert_headings_and_tables_are_structure(content: bytes) -> None:
    structure = _structure(content)
    headings = [(role, marked) for role, marked, _id, _headers in structure if role[:2] == "/H"]
    # The document's title comes first, then the headings below it, none empty.
    assert headings[0][0] == "/H1"
    assert all(marked for _role, marked in headings)
    header_ids = {id_ for role, _marked, id_, _headers in structure if role == "/TH"}
    for role, _marked, _id, headers in structure:
        if role == "/TD":
            # Each data cell names its header cells (WeasyPrint writes /Headers
            # on the cell and an /ID on each header), so a reader announces them.
            assert headers and set(headers) <= header_ids


def _assert_the_checker_finds_nothing(path) -> None:
    report = validate(str(path))
    findings = [
        f"{finding.rule_id} {finding.severity.name}: {finding.message}"
        for finding in report.findings
        if finding.rule_id not in CHECKED_ABOVE
    ]
    assert findings == []
    skipped = {outcome.rule_id for outcome in report.outcomes if outcome.skipped_reason}
    assert skipped <= CHECKED_ABOVE
    assert len(report.outcomes) - len(skipped) >= 10


# What the checker decides with certainty must pass. Two of its rules cannot
# decide on these files, and the test above checks the same thing itself:
# UA-14-001 (empty headings) stops on a heading whose content is an array of
# marked-content ids, as WeasyPrint writes them; UA-15-003 looks for /Scope on
# header cells and does not follow the /Headers written on data cells.
CHECKED_ABOVE = {"UA-14-001", "UA-15-003"}


@pytest.mark.parametrize("kind", KINDS)
def test_the_pdf_is_tagged_pdf_ua(kind, published, tmp_path):
    path = tmp_path / f"{kind}.pdf"
    path.write_bytes(_made(kind, published, tmp_path))
    _assert_tagged_titled_and_french(path.read_bytes())
    _assert_headings_and_tables_are_structure(path.read_bytes())
    _assert_the_checker_finds_nothing(path)
