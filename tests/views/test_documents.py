"""The documents' downloads: a cooperative's PDF (public, workspace), the federation's synthesis."""

import io
import shutil
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from commitments import workflow
from commitments.models import Project, Selection
from qualicoop.documents import cooperative as cooperative_documents
from qualicoop.documents.models import CooperativeDocument, SynthesisJob, WorkingDocument
from qualicoop.lib import file_store
from tests import factories
from tests.unit.test_documents import EIGHT, flat, pages, pdf_text
from tests.unit.test_mail_tasks import run_worker

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is needed to read PDFs"
)


@pytest.fixture
def published(campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer, numbers=EIGHT)


def public_pdf(slug):
    return reverse("documents:cooperative_pdf", args=[slug])


def body(response) -> bytes:
    """A file served from the store (streamed), or made for the request."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- The public PDF ---------------------------------------------------------------------


def test_it_serves_the_published_selections_pdf_to_anyone(client, published, coop_a):
    response = client.get(public_pdf(coop_a.slug))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert (
        f"quali-coop-{published.campaign.slug}-{coop_a.slug}.pdf" in response["Content-Disposition"]
    )
    words = flat(pdf_text(body(response)))
    assert coop_a.name in words
    for project in Project.objects.filter(choice__selection=published).select_related(
        "choice__engagement"
    ):
        assert flat(project.choice.engagement.title) in words
        assert project.description in words


def test_it_makes_a_missing_pdf_once_then_keeps_it(client, published, coop_a):
    assert not CooperativeDocument.objects.exists()

    first = client.get(public_pdf(coop_a.slug))
    stored = CooperativeDocument.objects.get(selection=published)
    second = client.get(public_pdf(coop_a.slug))

    assert body(first) == body(second) == file_store.read(stored.key)
    assert CooperativeDocument.objects.get(pk=stored.pk).generated_at == stored.generated_at


def test_a_missing_pdf_is_queued_once_not_made_in_the_request(client, settings, published, coop_a):
    # A real queue: the request only asks the worker.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

    first = client.get(public_pdf(coop_a.slug))
    second = client.get(public_pdf(coop_a.slug))

    assert first.status_code == second.status_code == 503
    assert first["Retry-After"] == "30"
    assert "Le PDF est en préparation" in first.content.decode()
    assert not CooperativeDocument.objects.exists()
    assert (
        DBTaskResult.objects.filter(
            task_path="qualicoop.documents.tasks.make_cooperative_pdf"
        ).count()
        == 1
    )


def test_it_reads_a_stored_pdf_in_three_queries(
    client, published, coop_a, django_assert_num_queries
):
    client.get(public_pdf(coop_a.slug))

    # The cooperative, its published selection, the PDF: whatever the data size.
    with django_assert_num_queries(3):
        assert client.get(public_pdf(coop_a.slug)).status_code == 200


def test_it_is_a_404_without_a_published_selection(client, campaign, coop_a):
    factories.make_selection(coop_a, campaign, numbers=EIGHT, prefix="Brouillon ")

    assert client.get(public_pdf(coop_a.slug)).status_code == 404
    assert client.get(public_pdf("personne")).status_code == 404
    assert not CooperativeDocument.objects.exists()


def test_it_never_shows_the_draft_of_the_next_version(client, published, coop_a, reviewer):
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    Project.objects.filter(choice__selection=draft).update(description="Texte du brouillon secret")

    words = flat(pdf_text(body(client.get(public_pdf(coop_a.slug)))))

    assert "Texte du brouillon secret" not in words
    assert "Projet 1.1 de Coopérative Alpha" in words


def test_the_public_profile_links_to_it(client, published, coop_a):
    content = client.get(reverse("public:cooperative", args=[coop_a.slug])).content.decode()

    assert f'href="{public_pdf(coop_a.slug)}"' in content


def test_the_public_profile_without_publication_has_no_link(client, coop_a):
    content = client.get(reverse("public:cooperative", args=[coop_a.slug])).content.decode()

    assert public_pdf(coop_a.slug) not in content


def test_public_pages_print_without_navigation(client, published, coop_a):
    content = client.get(reverse("public:cooperative", args=[coop_a.slug])).content.decode()

    assert 'href="/static/css/print.css" media="print"' in content
    stylesheet = Path(finders.find("css/print.css")).read_text()
    assert ".site-header, .site-footer" in stylesheet and ".btn, button, form" in stylesheet
    assert 'content: " (" attr(href) ")"' in stylesheet
    assert ".chosen-engagement + .chosen-engagement { break-before: page; }" in stylesheet


# --- The workspace ----------------------------------------------------------------------


def test_members_get_the_published_pdf_from_their_workspace(client, published, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.get(reverse("documents:workspace:pdf", args=[coop_a.slug]))

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert body(response) == body(client.get(public_pdf(coop_a.slug)))


def test_a_member_without_publication_is_told_so(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)

    response = client.get(reverse("documents:workspace:pdf", args=[coop_a.slug]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert "pas encore de sélection validée" in response.content.decode()


def test_the_working_document_is_marked_on_every_page(
    client, campaign, coop_a, contributor_a, django_capture_on_commit_callbacks
):
    factories.make_selection(coop_a, campaign, numbers=EIGHT, projects_per=3, prefix="En cours ")
    client.force_login(contributor_a)
    page = reverse("documents:workspace:working", args=[coop_a.slug])
    download = reverse("documents:workspace:working_pdf", args=[coop_a.slug])

    # Nothing made yet: the download sends to the page, which offers to make it.
    assert client.get(download)["Location"] == page
    assert "Préparer le document de travail" in client.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.post(page)
    assert asked.status_code == 302 and asked["Location"] == page
    assert f'href="{download}"' in client.get(page).content.decode()
    response = client.get(download)

    assert response.status_code == 200
    assert "document-de-travail.pdf" in response["Content-Disposition"]
    text = pdf_text(body(response))
    assert all("Document de travail — non validé" in flat(page) for page in pages(text))
    assert "En cours Projet 1.1 de Coopérative Alpha" in flat(text)


def test_the_worker_makes_the_working_document_while_its_page_follows(
    client, settings, campaign, coop_a, staff_a
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2])
    client.force_login(staff_a)
    page = reverse("documents:workspace:working", args=[coop_a.slug])

    client.post(page)
    client.post(page)  # a second click finds the first job

    job = WorkingDocument.objects.get()
    assert job.selection == selection and job.state == WorkingDocument.State.PENDING
    content = client.get(page).content.decode()
    assert '<meta http-equiv="refresh" content="3">' in content
    assert "en préparation" in content

    assert cooperative_documents.run_working(job.pk) == WorkingDocument.State.READY

    content = client.get(page).content.decode()
    assert 'http-equiv="refresh"' not in content
    assert "Télécharger le document de travail (PDF)" in content
    # Changed since: the document is to be made again.
    Selection.objects.filter(pk=selection.pk).update(updated_at=timezone.now())
    assert "La sélection a changé depuis" in client.get(page).content.decode()


def test_a_document_past_the_page_limit_says_so_in_french(
    client, settings, campaign, coop_a, staff_a, django_capture_on_commit_callbacks
):
    settings.PDF_MAX_PAGES = 1
    factories.make_selection(coop_a, campaign, numbers=EIGHT, projects_per=3)
    client.force_login(staff_a)
    page = reverse("documents:workspace:working", args=[coop_a.slug])

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page)

    job = WorkingDocument.objects.get()
    assert job.state == WorkingDocument.State.FAILED and job.pdf_key == ""
    content = client.get(page).content.decode()
    assert "Le document dépasserait 1 page, le plus que le portail produise" in content
    download = client.get(reverse("documents:workspace:working_pdf", args=[coop_a.slug]))
    assert download["Location"] == page


def test_asking_again_replaces_the_working_document_and_its_file(
    client, campaign, coop_a, staff_a, django_capture_on_commit_callbacks
):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)
    page = reverse("documents:workspace:working", args=[coop_a.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page)
    first = WorkingDocument.objects.get()
    # Kept in the file store by key, like every generated file.
    assert file_store.read(first.pdf_key).startswith(b"%PDF-")

    with django_capture_on_commit_callbacks(execute=True):
        client.post(page)

    second = WorkingDocument.objects.get()
    assert second.pk != first.pk and file_store.read(second.pdf_key).startswith(b"%PDF-")
    assert not default_storage.exists(first.pdf_key)


def test_another_cooperatives_working_document_is_a_404(
    client, campaign, coop_a, staff_a, staff_b, django_capture_on_commit_callbacks
):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:workspace:working", args=[coop_a.slug]))
    client.force_login(staff_b)

    for name in ("documents:workspace:working", "documents:workspace:working_pdf"):
        assert client.get(reverse(name, args=[coop_a.slug])).status_code == 404
    assert (
        client.post(reverse("documents:workspace:working", args=[coop_a.slug])).status_code == 404
    )


def test_a_validated_working_selection_sends_to_its_pdf(client, published, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.get(reverse("documents:workspace:working_pdf", args=[coop_a.slug]))

    assert response.status_code == 302
    assert response["Location"] == reverse("documents:workspace:pdf", args=[coop_a.slug])


@pytest.mark.parametrize("name", ["documents:workspace:pdf", "documents:workspace:working_pdf"])
def test_the_workspace_pdfs_are_for_members_only(client, published, coop_a, staff_b, name):
    url = reverse(name, args=[coop_a.slug])

    anonymous = client.get(url)
    client.force_login(staff_b)
    stranger = client.get(url)

    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/compte/")
    assert stranger.status_code == 404


def test_the_dashboard_links_to_the_documents(client, published, coop_a, staff_a, reviewer):
    draft = workflow.reopen_selection(selection=published, by=reviewer)
    assert draft.is_editable
    client.force_login(staff_a)

    content = client.get(reverse("workspace:dashboard", args=[coop_a.slug])).content.decode()

    assert reverse("documents:workspace:pdf", args=[coop_a.slug]) in content
    assert reverse("documents:workspace:working", args=[coop_a.slug]) in content
    assert reverse("workspace:spreadsheet", args=[coop_a.slug]) in content


# --- The federation's synthesis ---------------------------------------------------------


SYNTHESIS = reverse("documents:federation:synthesis")
REQUEST = reverse("documents:federation:synthesis_request")


def test_a_reviewer_asks_for_the_synthesis_and_downloads_it(
    client, published, reviewer, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    campaign = published.campaign

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REQUEST, {"campagne": campaign.slug})

    assert response.status_code == 302
    assert response["Location"] == f"{SYNTHESIS}?campagne={campaign.slug}"
    job = SynthesisJob.objects.get()
    assert job.requested_by == reviewer and job.state == SynthesisJob.State.READY
    page = client.get(response["Location"]).content.decode()
    assert "Prête" in page
    pdf = client.get(reverse("documents:federation:synthesis_pdf", args=[job.pk]))
    xlsx = client.get(reverse("documents:federation:synthesis_xlsx", args=[job.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert campaign.name in flat(pdf_text(body(pdf)))
    assert "Projets exemplaires" in load_workbook(io.BytesIO(body(xlsx))).sheetnames


def test_the_page_follows_a_synthesis_under_way(client, published, reviewer):
    client.force_login(reviewer)
    # Queued but not yet run: the worker has not taken it.
    client.post(REQUEST, {"campagne": published.campaign.slug})

    content = client.get(f"{SYNTHESIS}?campagne={published.campaign.slug}").content.decode()

    assert "data-under-way" in content
    assert '<progress id="avancement-synthese"' in content
    assert "js/synthesis-progress.js" in content
    assert "Générer la synthèse" not in content


def test_one_synthesis_at_a_time_per_campaign(client, published, reviewer):
    client.force_login(reviewer)

    client.post(REQUEST, {"campagne": published.campaign.slug})
    response = client.post(REQUEST, {"campagne": published.campaign.slug}, follow=True)

    assert SynthesisJob.objects.count() == 1
    assert "déjà en préparation" in response.content.decode()


def test_an_unknown_campaign_is_refused_calmly(client, reviewer):
    client.force_login(reviewer)

    response = client.post(REQUEST, {"campagne": "nulle-part"}, follow=True)
    nul = client.post(REQUEST, {"campagne": "nulle\x00part"}, follow=True)

    assert response.status_code == nul.status_code == 200
    assert escape("Cette campagne n'existe pas.") in response.content.decode()
    assert "Le caractère nul n’est pas autorisé." in nul.content.decode()
    assert not SynthesisJob.objects.exists()


def test_a_synthesis_not_ready_is_not_served(client, published, reviewer):
    job = factories.make_synthesis_job(published.campaign, reviewer)
    client.force_login(reviewer)

    assert (
        client.get(reverse("documents:federation:synthesis_pdf", args=[job.pk])).status_code == 404
    )


@pytest.mark.parametrize("user", ["staff_a", "staff_b"])
def test_the_synthesis_is_for_reviewers_only(client, request, published, user):
    client.force_login(request.getfixturevalue(user))

    assert client.get(SYNTHESIS).status_code == 404
    assert client.post(REQUEST, {"campagne": published.campaign.slug}).status_code == 404
    assert not SynthesisJob.objects.exists()


def test_the_federation_dashboard_offers_the_button(client, published, reviewer):
    client.force_login(reviewer)

    content = client.get(reverse("federation:dashboard")).content.decode()

    assert f'action="{REQUEST}"' in content and "Générer la synthèse" in content


@pytest.mark.parametrize("value", ["nulle-part", "\x00", "x" * 300])
def test_a_bad_campaign_in_the_address_is_a_calm_400(client, published, reviewer, value):
    client.force_login(reviewer)

    response = client.get(SYNTHESIS, {"campagne": value})

    assert response.status_code == 400
    assert "Générer la synthèse" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_worker_makes_them_not_the_request(client, settings, reference):
    """With the database queue, as in production: requests only queue, ``db_worker`` makes."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    reviewer = factories.make_reviewer()
    coop = factories.make_coop("Coopérative Alpha")
    selection = factories.make_published(coop, factories.make_campaign(), reviewer, numbers=EIGHT)
    client.force_login(reviewer)
    client.post(REQUEST, {"campagne": selection.campaign.slug})

    queued = set(DBTaskResult.objects.values_list("task_path", flat=True))
    assert {
        "qualicoop.documents.tasks.make_cooperative_pdf",
        "qualicoop.documents.tasks.make_synthesis",
    } <= queued
    assert not CooperativeDocument.objects.exists()
    assert SynthesisJob.objects.get().state == SynthesisJob.State.PENDING

    run_worker()

    assert coop.name in flat(
        pdf_text(file_store.read(CooperativeDocument.objects.get(selection=selection).key))
    )
    assert SynthesisJob.objects.get().state == SynthesisJob.State.READY
