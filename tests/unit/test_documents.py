"""A cooperative's Quali'Coop PDF: what it says, when it is made again, and what it never shows.

The PDFs are read back with ``pdftotext`` (poppler-utils), as a reader would.
Tasks run at once in the tests (the immediate backend); they are queued once
the change commits, hence ``django_capture_on_commit_callbacks``.
"""

import datetime
import shutil
import subprocess

import pytest
from django.core.management import call_command
from django.utils import timezone

from commitments import progress, publication, workflow
from commitments.models import Measurement, ProgressUpdate, Project, Selection
from qualicoop.documents import cooperative, palette
from qualicoop.documents.models import CooperativeDocument
from qualicoop.lib import file_store
from tests import factories

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed to read PDFs"
)

EIGHT = [1, 2, 3, 5, 6, 7, 9, 12]


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, pages separated by form feeds."""
    assert pdf.startswith(b"%PDF-")
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return result.stdout.decode()


def kept_pdf(selection) -> bytes:
    """The bytes of the PDF kept for ``selection``, from the file store."""
    return file_store.read(CooperativeDocument.objects.get(selection=selection).key)


def flat(text: str) -> str:
    """The text with line breaks as spaces: a long title wraps over two lines."""
    return " ".join(text.split())


@pytest.fixture
def remade():
    """The selections whose PDF the publication events ask to make again, in order."""
    named: list[int] = []

    def record(sender, *, selection_ids, **kwargs):
        named.extend(sorted(selection_ids))

    publication.published_content_changed.connect(record, dispatch_uid="test-remade")
    yield named
    publication.published_content_changed.disconnect(dispatch_uid="test-remade")


def pages(text: str) -> list[str]:
    return [page for page in text.split("\f") if page.strip()]


@pytest.fixture
def published(campaign, coop_a, reviewer):
    selection = factories.make_published(coop_a, campaign, reviewer, numbers=EIGHT)
    project = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    Project.objects.filter(pk=project.pk).update(
        objectives="Loger cent familles avant l'hiver.", indicators="Familles relogées par an."
    )
    indicator = factories.make_indicator(
        project, name="Familles relogées", unit="familles", baseline_value=0, target=100
    )
    factories.make_measurement(indicator, 120, measured_on=datetime.date(2025, 6, 30))
    return Selection.objects.get(pk=selection.pk)


def _first_project(selection):
    return Project.objects.filter(choice__selection=selection).order_by("pk").first()


def _post_update(project, staff, reviewer, text, status="in_progress"):
    update = progress.create_update(
        project=project,
        data={"status": status, "reason": "", "text": text, "happened_on": timezone.localdate()},
        by=staff,
        submit=True,
    )
    return progress.publish_update(update=update, by=reviewer)


def test_it_says_who_what_and_since_when(published, coop_a):
    document = cooperative.refresh(published.pk)

    words = flat(pdf_text(file_store.read(document.key)))
    assert f"Quali'Coop {published.campaign.name} — {coop_a.name}" in words
    assert "Quali'Coop Quali'Coop" not in words
    decided = published.decided_at
    assert "Sélection validée par la fédération le" in words
    assert str(timezone.localtime(decided).year) in words
    for project in Project.objects.filter(choice__selection=published).select_related(
        "choice__engagement"
    ):
        assert flat(project.choice.engagement.title) in words
        assert project.title in words
        assert project.description in words
    assert "Loger cent familles avant l'hiver." in words
    assert "Familles relogées par an." in words
    assert "Pilier 1 : " in words and "Pilier 3 : " in words
    # The indicator: its latest public value against its target, reached.
    assert "Familles relogées" in words and "120 familles" in words and "100 familles" in words
    assert "✓ oui" in words
    assert "Étape : Intention" in words
    assert document.size == len(file_store.read(document.key))


def test_it_shows_the_latest_published_update_and_its_stage(
    published, staff_a, reviewer, django_capture_on_commit_callbacks
):
    project = _first_project(published)
    _post_update(project, staff_a, reviewer, "Premier chantier livré en mars.", status="done")

    words = flat(pdf_text(file_store.read(cooperative.refresh(published.pk).key)))

    assert "Dernier point d'étape" in words and "Premier chantier livré en mars." in words
    assert "Étape : Réalisé" in words


def test_it_never_shows_a_draft_an_unpublished_update_or_a_hidden_value(
    published, coop_a, staff_a, reviewer
):
    project = _first_project(published)
    draft_update = progress.create_update(
        project=project,
        data={
            "status": "in_progress",
            "reason": "",
            "text": "Brouillon de point d'étape",
            "happened_on": timezone.localdate(),
        },
        by=staff_a,
        submit=True,  # awaiting review: not public yet
    )
    Measurement.objects.create(
        indicator=project.indicator_set.get(),
        value=7777,
        measured_on=timezone.localdate(),
        update=draft_update,
    )
    reopened = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=reopened).update(title="Titre secret du brouillon")

    words = flat(pdf_text(file_store.read(cooperative.refresh(published.pk).key)))

    assert "Brouillon de point d'étape" not in words
    assert "7 777" not in words and "7777" not in words
    assert "Titre secret du brouillon" not in words
    assert cooperative.refresh(reopened.pk) is None  # a draft has no public PDF


def test_a_publication_makes_the_new_versions_pdf_and_keeps_the_old_one(
    campaign, coop_a, reviewer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = factories.make_published(coop_a, campaign, reviewer, numbers=EIGHT)
    old = CooperativeDocument.objects.get(selection=first)
    assert "Projet 1.1 de Coopérative Alpha" in flat(pdf_text(file_store.read(old.key)))

    reopened = workflow.reopen_selection(selection=first, by=reviewer)
    Project.objects.filter(choice__selection=reopened, choice__engagement__number=1).update(
        title="Projet renouvelé pour la deuxième version"
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.submit_selection(selection=reopened, by=None)
        workflow.validate_selection(selection=reopened, by=reviewer)

    new = CooperativeDocument.objects.get(selection=reopened)
    assert "Projet renouvelé pour la deuxième version" in flat(pdf_text(file_store.read(new.key)))
    kept = CooperativeDocument.objects.get(pk=old.pk)
    assert file_store.read(kept.key) == file_store.read(old.key)
    assert "Projet renouvelé" not in flat(pdf_text(file_store.read(kept.key)))
    assert cooperative.document_of(coop_a).pk == new.pk


def test_a_published_update_remakes_the_pdf_and_its_edit_takes_it_out(
    published, staff_a, reviewer, django_capture_on_commit_callbacks
):
    cooperative.refresh(published.pk)
    project = _first_project(published)
    with django_capture_on_commit_callbacks(execute=True):
        update = _post_update(project, staff_a, reviewer, "Les travaux ont commencé.")
    document = CooperativeDocument.objects.get(selection=published)
    assert "Les travaux ont commencé." in flat(pdf_text(file_store.read(document.key)))

    # Edited once published, it goes back to the reviewers and leaves the public pages.
    with django_capture_on_commit_callbacks(execute=True):
        progress.edit_update(
            update,
            data={
                "status": "in_progress",
                "reason": "",
                "text": "Texte revu, pas encore relu.",
                "happened_on": update.happened_on,
            },
            by=staff_a,
        )
    words = flat(pdf_text(kept_pdf(published)))
    assert "Texte revu" not in words and "Les travaux ont commencé." not in words

    with django_capture_on_commit_callbacks(execute=True):
        update = ProgressUpdate.objects.get(pk=update.pk)
        progress.publish_update(update=update, by=reviewer)
    words = flat(pdf_text(kept_pdf(published)))
    assert "Texte revu, pas encore relu." in words

    with django_capture_on_commit_callbacks(execute=True):
        progress.delete_update(update=ProgressUpdate.objects.get(pk=update.pk), by=staff_a)
    words = flat(pdf_text(kept_pdf(published)))
    assert "Texte revu" not in words


def test_a_draft_update_queues_nothing(
    published, staff_a, remade, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        progress.create_update(
            project=_first_project(published),
            data={
                "status": "in_progress",
                "reason": "",
                "text": "À finir",
                "happened_on": timezone.localdate(),
            },
            by=staff_a,
        )

    assert remade == []
    assert not CooperativeDocument.objects.exists()


def test_the_same_content_makes_no_new_pdf(published):
    first = cooperative.refresh(published.pk)

    again = cooperative.refresh(published.pk)

    assert again.pk == first.pk
    assert again.generated_at == first.generated_at


def test_older_content_never_replaces_a_newer_pdf(published):
    document = cooperative.refresh(published.pk)
    older = document.content_as_of - datetime.timedelta(minutes=5)

    kept = cooperative._keep(published, "0" * 64, b"%PDF-older", 0.1, older)

    assert kept.digest == document.digest
    assert file_store.read(CooperativeDocument.objects.get(pk=document.pk).key) == file_store.read(
        document.key
    )


def test_loading_fixtures_queues_no_pdf(reference, remade, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("loaddata", "cooperatives", "campaign_2024", verbosity=0)

    assert remade == []
    assert not CooperativeDocument.objects.exists()
    assert Selection.objects.published().count() == 8


def test_the_working_document_says_so_on_every_page(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=EIGHT, projects_per=3)

    text = pdf_text(cooperative.working_pdf(selection))

    assert len(pages(text)) > 1
    for page in pages(text):
        assert "Document de travail — non validé" in flat(page)
    assert "Projet 12.3 de Coopérative Alpha" in flat(text)
    assert "Sélection validée" not in text


def test_it_reads_the_pillars_colours_from_the_sites_stylesheet():
    colours = palette.pillar_colours()

    assert sorted(colours) == [1, 2, 3]
    assert colours[1].strong == "#0b6e74" and colours[1].soft == "#e3f3f3"
    assert colours[2].strong == "#9c3d10"
    assert colours[3].strong == "#3f6b16"
    assert palette.site_colours()["brand"] == "#1d4e89"


def test_hostile_text_is_printed_as_text_and_fetches_nothing(campaign, coop_a, reviewer):
    selection = factories.make_published(coop_a, campaign, reviewer, numbers=EIGHT)
    Project.objects.filter(pk=_first_project(selection).pk).update(
        title='<img src="file:///etc/passwd"> <b>gras</b>',
        description='<link rel="stylesheet" href="http://127.0.0.1:9/x.css">',
    )

    words = flat(pdf_text(file_store.read(cooperative.refresh(selection.pk).key)))

    assert '<img src="file:///etc/passwd"> <b>gras</b>' in words
    assert "root:" not in words
