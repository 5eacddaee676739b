"""/espace/<slug>/projets/<pk>/pieces/: evidence added, refused, served and removed."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from commitments import evidence, progress, workflow
from commitments.models import Evidence, Project
from tests import factories
from tests.clamd_support import EICAR, clamd_socket  # noqa: F401 - fixture
from tests.evidence_support import ALLOWED, ELF, MACRO_DOCX, PE

# A refused file stores nothing, an accepted one is kept under its key: on either store.
pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("file_store")]


@pytest.fixture
def project(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    return Project.objects.get(choice__selection=selection)


def _page(coop, project):
    return reverse("workspace:project_evidence", args=[coop.slug, project.pk])


def _post(client, coop, project, name, data, **fields):
    return client.post(
        _page(coop, project),
        {
            "target": "projet",
            "title": "Délibération du conseil",
            "note": "Votée à l'unanimité.",
            "file": SimpleUploadedFile(name, data),
            **fields,
        },
    )


def _assert_refused(response, message):
    assert response.status_code == 400
    assert any(message in error for error in response.context["form"].errors["file"])
    # Next to the field, and what was typed is still there.
    page = response.content.decode()
    assert message.replace("'", "&#x27;") in page
    assert "Votée à l&#x27;unanimité." in page
    assert Evidence.objects.count() == 0
    assert evidence.stored_keys() == set()


@pytest.mark.parametrize(
    ("name", "data", "content_type"), ALLOWED, ids=[name for name, *_ in ALLOWED]
)
def test_it_accepts_each_allowed_kind(client, coop_a, staff_a, project, name, data, content_type):
    client.force_login(staff_a)

    response = _post(client, coop_a, project, name, data)

    assert response.status_code == 302
    piece = Evidence.objects.get()
    assert piece.content_type == content_type
    assert piece.original_name == name
    assert piece.size == len(data)
    assert piece.uploaded_by == staff_a
    assert piece.status == "pending" and not piece.public
    # Kept under a generated key, never under its name.
    assert piece.key.startswith(f"evidence/{coop_a.pk}/") and name not in piece.key
    assert evidence.stored_keys() == {piece.key}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("rapport.pdf", ELF, "type de fichier n'est pas accepté"),
        ("rapport.pdf", PE, "type de fichier n'est pas accepté"),
        ("rapport.docx", MACRO_DOCX, "contient des macros"),
    ],
    ids=["elf-named-pdf", "pe-named-pdf", "macro-docx"],
)
def test_it_refuses_what_is_not_allowed(client, coop_a, staff_a, project, name, data, message):
    client.force_login(staff_a)

    _assert_refused(_post(client, coop_a, project, name, data), message)


@pytest.mark.parametrize(
    ("name", "data", "kept_as"),
    [
        ("../../x.pdf", ALLOWED[0][1], "x.pdf"),
        ("../../etc/passwd.txt", b"texte", "passwd.txt"),
        ("..\\..\\passwd.txt", b"texte", "passwd.txt"),
    ],
)
def test_a_name_that_tries_to_be_a_path_never_becomes_one(
    client, coop_a, staff_a, project, name, data, kept_as
):
    # Django keeps only the last part of an uploaded file's name; the service
    # refuses any name that still holds a path (tests/unit/test_evidence.py).
    client.force_login(staff_a)

    assert _post(client, coop_a, project, name, data).status_code == 302

    piece = Evidence.objects.get()
    assert piece.original_name == kept_as
    # Stored under a key the portal made, in the cooperative's part of the store only.
    assert re.fullmatch(rf"evidence/{coop_a.pk}/[0-9a-f]{{32}}", piece.key)
    assert evidence.stored_keys() == {piece.key}


def test_it_refuses_a_file_over_the_size_limit(client, coop_a, staff_a, project, settings):
    settings.EVIDENCE_MAX_BYTES = 1024 * 1024
    client.force_login(staff_a)

    response = _post(client, coop_a, project, "gros.pdf", b"%PDF-1.7" + b"0" * 1024 * 1024)

    _assert_refused(response, "dépasse la taille maximale de 1 Mo")


def test_it_refuses_a_file_over_the_cooperative_quota(client, coop_a, staff_a, project, settings):
    settings.EVIDENCE_QUOTA_BYTES = 3 * 1024 * 1024
    client.force_login(staff_a)
    assert (
        _post(client, coop_a, project, "a.pdf", b"%PDF-1.7" + b"0" * 2 * 1024 * 1024).status_code
        == 302
    )
    kept = Evidence.objects.get()

    response = _post(client, coop_a, project, "b.pdf", b"%PDF-1.7" + b"1" * 2 * 1024 * 1024)

    assert response.status_code == 400
    assert "espace réservé aux pièces" in response.context["form"].errors["file"][0]
    assert list(Evidence.objects.all()) == [kept]
    assert evidence.stored_keys() == {kept.key}


@pytest.mark.integration
def test_it_refuses_a_file_the_antivirus_finds_infected(
    client,
    coop_a,
    staff_a,
    project,
    clamd_socket,  # noqa: F811 - fixture
):
    client.force_login(staff_a)
    # A clean file goes through the same scanner.
    assert _post(client, coop_a, project, "note.txt", b"Rien de suspect.").status_code == 302
    Evidence.objects.all().delete()
    for key in evidence.stored_keys():
        evidence.default_storage.delete(key)

    _assert_refused(_post(client, coop_a, project, "eicar.txt", EICAR), "antivirus a détecté")


def test_a_scanner_that_does_not_answer_refuses_the_file(
    client, coop_a, staff_a, project, settings, tmp_path
):
    settings.CLAMD_SOCKET = str(tmp_path / "personne-n-ecoute.sock")
    client.force_login(staff_a)

    _assert_refused(
        _post(client, coop_a, project, "note.txt", b"Rien de suspect."),
        "analyse antivirus est indisponible",
    )


def test_it_attaches_a_file_to_a_measured_value(client, coop_a, staff_a, project):
    indicator = factories.make_indicator(project, name="Logements", target=10, unit="")
    measurement = factories.make_measurement(indicator, 4, measured_on="2026-01-01")
    client.force_login(staff_a)

    response = _post(
        client, coop_a, project, "photo.png", ALLOWED[1][1], target=f"mesure-{measurement.pk}"
    )

    assert response.status_code == 302
    assert Evidence.objects.get().measurement == measurement


def test_it_serves_and_removes_a_file_on_either_store(
    client, coop_a, staff_a, project, file_store, django_capture_on_commit_callbacks
):
    client.force_login(staff_a)
    _post(client, coop_a, project, "deliberation.pdf", ALLOWED[0][1])
    piece = Evidence.objects.get()

    served = client.get(reverse("workspace:evidence_file", args=[coop_a.slug, piece.pk]))
    if file_store == "disque":
        assert b"".join(served.streaming_content) == ALLOWED[0][1]
    else:
        assert served.status_code == 302 and "X-Amz-Signature" in served["Location"]

    delete = reverse("workspace:evidence_delete", args=[coop_a.slug, piece.pk])
    assert "Retirer définitivement" in client.get(delete).content.decode()
    # The stored object goes once the row's deletion is committed.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(delete)

    assert response.status_code == 302
    assert Evidence.objects.count() == 0
    assert evidence.stored_keys() == set()


def test_another_cooperatives_file_is_a_404(client, coop_a, coop_b, staff_a, staff_b, project):
    client.force_login(staff_a)
    _post(client, coop_a, project, "note.txt", b"A seulement.")
    piece = Evidence.objects.get()
    client.force_login(staff_b)

    assert (
        client.get(reverse("workspace:evidence_file", args=[coop_b.slug, piece.pk])).status_code
        == 404
    )
    assert (
        client.get(
            reverse("workspace:project_evidence", args=[coop_b.slug, project.pk])
        ).status_code
        == 404
    )


def test_a_submitted_version_keeps_its_files(client, coop_a, staff_a, reviewer, project):
    client.force_login(staff_a)
    _post(client, coop_a, project, "note.txt", b"Avant l'envoi.")
    piece = Evidence.objects.get()
    delete = reverse("workspace:evidence_delete", args=[coop_a.slug, piece.pk])
    assert delete in client.get(_page(coop_a, project)).content.decode()
    selection = project.choice.selection
    selection.campaign.min_engagements = 1
    selection.campaign.save()
    workflow.submit_selection(selection=selection, by=staff_a)

    client.post(delete)
    refused = _post(client, coop_a, project, "autre.txt", b"Apres l'envoi.")

    assert Evidence.objects.get() == piece
    assert evidence.stored_keys() == {piece.key}
    assert refused.status_code == 400
    # Nothing of the sent version is offered any more, and the page says why.
    assert "target" in refused.context["form"].errors
    assert "ses pièces sont conservées telles quelles" in refused.content.decode()
    assert delete not in refused.content.decode()

    # The federation asks for another piece: one may then be added, not removed.
    evidence.request_another(evidence=piece, by=reviewer, remark="La délibération signée.")
    assert _post(client, coop_a, project, "signee.pdf", ALLOWED[0][1]).status_code == 302
    assert Evidence.objects.count() == 2


def test_a_validated_project_takes_files_on_its_draft_progress_update(
    client, coop_a, staff_a, reviewer, reference
):
    campaign = factories.make_campaign("Campagne validée", minimum=1)
    selection = factories.make_published(coop_a, campaign, reviewer, numbers=[1])
    followed = Project.objects.get(choice__selection=selection)
    update = progress.create_update(
        project=followed,
        data={
            "status": "in_progress",
            "reason": "",
            "text": "Chantier lancé.",
            "happened_on": campaign.opens_on,
        },
        by=staff_a,
    )
    client.force_login(staff_a)

    page = client.get(_page(coop_a, followed))
    # The validated project itself is locked: only its draft update is offered.
    assert [key for key, _label in page.context["form"].fields["target"].choices] == [
        f"point-{update.pk}"
    ]
    assert _post(client, coop_a, followed, "projet", b"x", target="projet").status_code == 400
    assert (
        _post(
            client, coop_a, followed, "photo.png", ALLOWED[1][1], target=f"point-{update.pk}"
        ).status_code
        == 302
    )
    assert Evidence.objects.get().update == update
