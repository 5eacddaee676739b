"""The dossier de révision: asked for, made by the task, downloaded, refused when expired.

The ZIP's index is read back with ``pdftotext`` (poppler-utils), as a reader would.
"""

import datetime
import io
import shutil
import zipfile

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from commitments import evidence, workflow
from commitments.models import Evidence, Project
from qualicoop.documents.models import RevisionDossier
from tests import factories
from tests.evidence_support import ALLOWED
from tests.unit.test_documents import flat, pdf_text

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is needed"),
]


@pytest.fixture
def validated(coop_a, reviewer, reference):
    campaign = factories.make_campaign("Campagne 2026", minimum=1)
    selection = factories.make_selection(coop_a, campaign, numbers=[3])
    project = Project.objects.get(choice__selection=selection)
    photo = evidence.attach(
        target=project,
        upload=evidence.Upload("chantier.png", ALLOWED[1][1]),
        title="Photo du chantier",
        by=None,
        public=True,
    )
    evidence.attach(
        target=project,
        upload=evidence.Upload("pv.pdf", ALLOWED[0][1]),
        title="Procès-verbal du conseil",
        by=None,
    )
    workflow.submit_selection(selection=selection, by=None)
    evidence.accept(evidence=photo, by=reviewer)
    workflow.validate_selection(selection=selection, by=reviewer)
    return selection


def _ask(client, coop, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:workspace:dossier", args=[coop.slug]))
    assert response.status_code == 302
    return RevisionDossier.objects.get()


def test_a_referent_gets_the_whole_dossier(
    file_store, client, coop_a, staff_a, validated, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)

    job = _ask(client, coop_a, django_capture_on_commit_callbacks)

    assert job.state == "ready" and job.progress == 100
    assert job.expires_at > timezone.now() + datetime.timedelta(days=6)
    page = client.get(reverse("documents:workspace:dossier", args=[coop_a.slug])).content.decode()
    assert "Télécharger" in page
    response = client.get(reverse("documents:workspace:dossier_zip", args=[coop_a.slug, job.pk]))
    if file_store == "s3":
        assert response.status_code == 302 and "X-Amz-Signature" in response["Location"]
    else:
        assert b"".join(response.streaming_content) == default_storage.open(job.key).read()
    archive = zipfile.ZipFile(io.BytesIO(default_storage.open(job.key).read()))
    names = archive.namelist()
    index = flat(pdf_text(archive.read("index.pdf")))
    assert "Dossier de révision — Coopérative Alpha" in index
    assert "Campagne 2026" in index and "Engagement 3" in index
    # Every piece listed with the federation's answer; only the accepted one is in the ZIP.
    assert "Photo du chantier (chantier.png) — Pièce acceptée" in index
    assert "Procès-verbal du conseil (pv.pdf) — À examiner" in index
    assert "campagne-2026/quali-coop.pdf" in names
    photo = Evidence.objects.get(title="Photo du chantier")
    project = photo.project
    assert (
        f"campagne-2026/engagement-3/{project.pk}-projet-31-de-cooperative-alpha/"
        f"{photo.pk}-chantier.png"
    ) in names
    assert not any(name.endswith("pv.pdf") for name in names)
    assert archive.read(next(n for n in names if n.endswith("chantier.png"))) == ALLOWED[1][1]


def test_another_cooperative_and_a_contributor_are_refused(
    client, coop_a, staff_a, staff_b, contributor_a, validated, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    job = _ask(client, coop_a, django_capture_on_commit_callbacks)
    client.force_login(staff_b)
    assert (
        client.get(
            reverse("documents:workspace:dossier_zip", args=[coop_a.slug, job.pk])
        ).status_code
        == 404
    )
    assert (
        client.get(reverse("documents:workspace:dossier", args=["cooperative-beta"])).status_code
        == 200
    )
    assert (
        client.get(
            reverse("documents:workspace:dossier_zip", args=["cooperative-beta", job.pk])
        ).status_code
        == 404
    )
    client.force_login(contributor_a)
    assert client.get(reverse("documents:workspace:dossier", args=[coop_a.slug])).status_code == 403


def test_an_expired_dossier_is_refused(
    client, coop_a, staff_a, reviewer, validated, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    job = _ask(client, coop_a, django_capture_on_commit_callbacks)
    RevisionDossier.objects.filter(pk=job.pk).update(expires_at=timezone.now())

    response = client.get(
        reverse("documents:workspace:dossier_zip", args=[coop_a.slug, job.pk]), follow=True
    )

    assert "a expiré : demandez-en un nouveau" in response.content.decode()
    assert "Content-Disposition" not in response
    client.force_login(reviewer)
    response = client.get(reverse("documents:federation:dossier_zip", args=[job.pk]), follow=True)
    assert "a expiré : demandez-en un nouveau" in response.content.decode()


def test_a_reviewer_asks_for_one_from_the_federation(
    client, coop_a, reviewer, validated, django_capture_on_commit_callbacks
):
    client.force_login(reviewer)
    page = reverse("documents:federation:dossier", args=[coop_a.slug])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(page)

    job = RevisionDossier.objects.get()
    assert job.requested_by == reviewer and job.state == "ready"
    assert client.get(reverse("documents:federation:dossier_zip", args=[job.pk])).status_code == 200


def test_expired_dossiers_leave_the_file_store(
    file_store, client, coop_a, staff_a, validated, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    job = _ask(client, coop_a, django_capture_on_commit_callbacks)
    key = job.key
    call_command("purge_expired_dossiers")
    assert default_storage.exists(key)

    RevisionDossier.objects.filter(pk=job.pk).update(expires_at=timezone.now())
    call_command("purge_expired_dossiers")

    assert not default_storage.exists(key)
    assert RevisionDossier.objects.get().key == ""


def test_a_dossier_past_the_page_limit_says_so_in_french(
    client, settings, coop_a, staff_a, validated, django_capture_on_commit_callbacks
):
    # The dossier is a document job like the others: its bounds refuse it in French.
    # Its index alone is a page: none allowed.
    settings.PDF_MAX_PAGES = 0
    client.force_login(staff_a)

    job = _ask(client, coop_a, django_capture_on_commit_callbacks)

    assert job.state == "failed" and job.key == ""
    assert "Le document dépasserait 0 page" in job.message
    page = client.get(reverse("documents:workspace:dossier", args=[coop_a.slug])).content.decode()
    assert "Le document dépasserait 0 page" in page
