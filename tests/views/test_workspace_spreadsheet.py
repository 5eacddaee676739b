"""/espace/<slug>/tableur/: the selection as a spreadsheet, sent back, dry run, import.

The file is read and applied by the task worker (run at once in the tests,
once the request's transaction commits): the upload answers with the job's
page, which follows it.
"""

import io
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from openpyxl import load_workbook

from commitments import editing, spreadsheet_jobs, workflow
from commitments.models import Campaign, Indicator, Project, Selection, SpreadsheetImport
from qualicoop.lib import upload_jobs
from qualicoop.workspace.spreadsheet import XLSX_TYPE
from tests import factories


@pytest.fixture
def draft(campaign, coop_a):
    return factories.make_selection(coop_a, campaign, numbers=[1, 2], projects_per=2)


def url(name, coop):
    return reverse(f"workspace:{name}", args=[coop.slug])


def export(client, coop):
    response = client.get(url("spreadsheet_export", coop))
    assert response.status_code == 200
    return load_workbook(io.BytesIO(response.content))


def upload(book, name="selection.xlsx"):
    output = io.BytesIO()
    book.save(output)
    return SimpleUploadedFile(name, output.getvalue(), content_type=XLSX_TYPE)


@pytest.fixture
def worker(django_capture_on_commit_callbacks):
    """The tasks queued by a request, run as its transaction commits."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


def dry_run(client, coop, book, worker, name="selection.xlsx"):
    """The upload, then the job's page it sends to, the worker done."""
    sent = worker(client.post, url("spreadsheet_import", coop), {"fichier": upload(book, name)})
    assert sent.status_code == 302
    return client.get(sent["Location"])


def job_url(coop, job, name="spreadsheet_job"):
    return reverse(f"workspace:{name}", args=[coop.slug, job.pk])


def titles(selection):
    return sorted(
        Project.objects.filter(choice__selection=selection).values_list("title", flat=True)
    )


def test_it_offers_the_download_and_the_upload(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    content = client.get(url("spreadsheet", coop_a)).content.decode()

    assert f'href="{url("spreadsheet_export", coop_a)}"' in content
    assert f'action="{url("spreadsheet_import", coop_a)}"' in content
    assert "Lancer l'essai à blanc" in content


def test_it_exports_the_working_selection(client, draft, coop_a, contributor_a):
    client.force_login(contributor_a)

    response = client.get(url("spreadsheet_export", coop_a))

    assert response["Content-Type"] == XLSX_TYPE
    assert f"-{coop_a.slug}.xlsx" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert [row[3] for row in book["Projets"].iter_rows(min_row=2, values_only=True)] == [
        "Projet 1.1 de Coopérative Alpha",
        "Projet 1.2 de Coopérative Alpha",
        "Projet 2.1 de Coopérative Alpha",
        "Projet 2.2 de Coopérative Alpha",
    ]


def test_a_dry_run_then_the_import(client, draft, coop_a, staff_a, worker):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Titre changé hors ligne"
    book["Projets"].delete_rows(5)
    book["Projets"].append(
        [None, 3, None, "Projet ajouté", "Sa description.", None, None, None, None]
    )
    before = titles(draft)

    report = dry_run(client, coop_a, book, worker)

    assert report.status_code == 200
    content = report.content.decode()
    assert "Essai à blanc de « selection.xlsx »" in content
    assert "modifié" in content and "créé" in content and "supprimé" in content
    assert "L'engagement 3 est ajouté à la sélection." in content
    assert "1 projet absent du fichier sera supprimé." in content
    assert titles(draft) == before  # nothing written by the dry run

    job = SpreadsheetImport.objects.get()
    assert f'action="{job_url(coop_a, job, "spreadsheet_job_apply")}"' in content

    applied = worker(client.post, job_url(coop_a, job, "spreadsheet_job_apply"))

    assert applied.status_code == 302
    assert applied["Location"] == job_url(coop_a, job)
    assert titles(draft) == sorted(
        [
            "Titre changé hors ligne",
            "Projet 1.2 de Coopérative Alpha",
            "Projet 2.1 de Coopérative Alpha",
            "Projet ajouté",
        ]
    )
    message = client.get(applied["Location"]).content.decode()
    assert "Import terminé : 1 projet créé, 1 modifié, 1 supprimé." in message
    # In the history like any edit, by whom it was made: a change, a creation, a deletion.
    latest = Project.history.order_by("-history_id")[:3]
    assert {entry.history_type for entry in latest} == {"~", "+", "-"}
    assert {entry.history_user for entry in latest} == {staff_a}


def test_an_unchanged_file_changes_nothing(client, draft, coop_a, staff_a, worker):
    client.force_login(staff_a)
    before = list(Project.objects.filter(choice__selection=draft).values_list("pk", "version"))

    report = dry_run(client, coop_a, export(client, coop_a), worker)

    assert "Ce fichier ne changerait rien" in report.content.decode()
    assert "Importer maintenant" not in report.content.decode()
    assert (
        list(Project.objects.filter(choice__selection=draft).values_list("pk", "version")) == before
    )


def test_a_bad_file_is_refused_next_to_the_field(client, draft, coop_a, staff_a, worker):
    client.force_login(staff_a)
    before = titles(draft)

    sent = worker(
        client.post,
        url("spreadsheet_import", coop_a),
        {"fichier": SimpleUploadedFile("selection.xlsm", b"PK\x03\x04macros")},
    )
    response = client.get(sent["Location"])

    assert response.status_code == 200
    content = response.content.decode()
    assert escape("Les classeurs avec macros (.xlsm) sont refusés") in content
    assert SpreadsheetImport.objects.get().state == SpreadsheetImport.State.FAILED
    assert titles(draft) == before


def test_a_file_over_2_mb_is_refused_next_to_the_field(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(
        url("spreadsheet_import", coop_a),
        {"fichier": SimpleUploadedFile("selection.xlsx", b"PK" + b"\x00" * (2 * 1024 * 1024))},
    )

    assert response.status_code == 200
    assert "dépasse 2 Mo" in response.content.decode()
    assert not SpreadsheetImport.objects.exists()


def test_a_refused_row_keeps_the_import_button_away(client, draft, coop_a, staff_a, worker):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["B2"] = 13

    response = dry_run(client, coop_a, book, worker)

    content = response.content.decode()
    assert "n&#x27;existe pas : les engagements sont numérotés de 1 à 12." in content
    assert "rien ne sera importé tant qu'elles ne sont pas corrigées" in content
    assert "Importer maintenant" not in content
    job = SpreadsheetImport.objects.get()
    refused = worker(client.post, job_url(coop_a, job, "spreadsheet_job_apply"))
    assert "Des lignes sont refusées" in client.get(refused["Location"]).content.decode()


def test_someone_elses_dry_run_is_not_theirs(client, draft, coop_a, staff_a, contributor_a, worker):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé par Alice"
    dry_run(client, coop_a, book, worker)
    job = SpreadsheetImport.objects.get()
    client.force_login(contributor_a)

    assert client.get(job_url(coop_a, job)).status_code == 404
    assert worker(client.post, job_url(coop_a, job, "spreadsheet_job_apply")).status_code == 404
    assert "Changé par Alice" not in titles(draft)


def test_the_upload_answers_with_the_page_that_follows_the_worker(
    client, draft, coop_a, staff_a, settings
):
    # A real queue: the task waits for the worker, the page waits with it.
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé hors ligne"

    sent = client.post(url("spreadsheet_import", coop_a), {"fichier": upload(book)})

    job = SpreadsheetImport.objects.get()
    assert sent["Location"] == job_url(coop_a, job)
    assert job.state == SpreadsheetImport.State.READING
    assert job.owner == staff_a and job.selection == draft and bytes(job.data)
    page = client.get(sent["Location"]).content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "Lecture du classeur en cours" in page

    assert spreadsheet_jobs.read_job(job.pk) == SpreadsheetImport.State.READ

    job.refresh_from_db()
    assert job.data is None and len(job.rows["projects"]) == 4
    page = client.get(sent["Location"]).content.decode()
    assert 'http-equiv="refresh"' not in page
    assert "Essai à blanc de « selection.xlsx »" in page
    client.post(job_url(coop_a, job, "spreadsheet_job_apply"))
    job.refresh_from_db()
    assert job.state == SpreadsheetImport.State.APPLYING
    assert "Import en cours" in client.get(sent["Location"]).content.decode()
    assert "Changé hors ligne" not in titles(draft)

    assert spreadsheet_jobs.apply_job(job.pk) == SpreadsheetImport.State.APPLIED
    assert "Changé hors ligne" in titles(draft)
    assert "Import terminé : 0 projet créé, 1 modifié, 0 supprimé." in (
        client.get(sent["Location"]).content.decode()
    )


def test_a_selection_changed_since_the_dry_run_is_read_again(
    client, draft, coop_a, staff_a, worker
):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé hors ligne"
    dry_run(client, coop_a, book, worker)
    job = SpreadsheetImport.objects.get()
    Project.objects.filter(choice__selection=draft).order_by("pk").last().delete()

    applied = worker(client.post, job_url(coop_a, job, "spreadsheet_job_apply"))

    job.refresh_from_db()
    assert job.state == SpreadsheetImport.State.READ
    page = client.get(applied["Location"]).content.decode()
    assert "La sélection a changé depuis l&#x27;essai" in page
    assert "Changé hors ligne" not in titles(draft)


def test_a_workbook_too_slow_to_read_fails_in_french(
    client, draft, coop_a, staff_a, worker, monkeypatch
):
    from qualicoop.lib.time_limit import TimeLimitExceeded

    def too_slow(*args, **kwargs):
        raise TimeLimitExceeded

    monkeypatch.setattr(spreadsheet_jobs.spreadsheet_import, "read_workbook", too_slow)
    client.force_login(staff_a)
    before = titles(draft)

    page = dry_run(client, coop_a, export(client, coop_a), worker).content.decode()

    assert "Le traitement du classeur a pris trop de temps et a été arrêté" in page
    assert titles(draft) == before


def test_uploads_are_limited_per_person(client, draft, coop_a, staff_a, contributor_a, worker):
    client.force_login(staff_a)
    book = export(client, coop_a)
    for _ in range(upload_jobs.UPLOADS_PER_MINUTE):
        assert dry_run(client, coop_a, book, worker).status_code == 200

    refused = worker(client.post, url("spreadsheet_import", coop_a), {"fichier": upload(book)})

    assert refused.status_code == 200
    assert "attendez une minute avant d&#x27;en envoyer un autre" in refused.content.decode()
    assert SpreadsheetImport.objects.count() == upload_jobs.UPLOADS_PER_MINUTE
    # Counted per person: Arthur still may.
    client.force_login(contributor_a)
    assert dry_run(client, coop_a, book, worker).status_code == 200


def test_a_submitted_selection_accepts_no_import(client, campaign, coop_a, staff_a):
    Campaign.objects.filter(pk=campaign.pk).update(min_engagements=2)
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2])
    workflow.submit_selection(selection=selection, by=None)
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé après soumission"

    page = client.get(url("spreadsheet", coop_a)).content.decode()
    response = client.post(url("spreadsheet_import", coop_a), {"fichier": upload(book)})

    assert "n'accepte donc pas d'import" in page
    assert response.status_code == 302
    assert response["Location"] == url("dashboard", coop_a)
    assert "Changé après soumission" not in titles(Selection.objects.get(pk=selection.pk))


def test_another_cooperatives_staff_gets_a_404(client, draft, coop_a, staff_b):
    client.force_login(staff_b)

    for name in ("spreadsheet", "spreadsheet_export", "spreadsheet_import"):
        assert client.get(url(name, coop_a)).status_code == 404
    job = SpreadsheetImport.objects.create(
        selection=draft, owner=staff_b, filename="selection.xlsx", data=b""
    )
    # Even a job of Bob's own, made against A's selection, stays behind A's door.
    assert client.get(job_url(coop_a, job)).status_code == 404


def test_a_persons_old_files_are_forgotten_when_they_send_another(
    client, draft, coop_a, staff_a, worker
):
    client.force_login(staff_a)
    book = export(client, coop_a)
    dry_run(client, coop_a, book, worker)
    SpreadsheetImport.objects.update(
        created_at=timezone.now() - upload_jobs.KEPT_FOR - timedelta(minutes=1)
    )
    old = SpreadsheetImport.objects.get()

    dry_run(client, coop_a, book, worker)

    assert not SpreadsheetImport.objects.filter(pk=old.pk).exists()
    assert SpreadsheetImport.objects.count() == 1


def test_the_dry_run_reports_the_indicators_then_imports_them(
    client, draft, coop_a, staff_a, worker
):
    project = Project.objects.filter(choice__selection=draft).order_by("pk").first()
    values = {"unit": "", "baseline_value": None, "baseline_date": None, "target_date": None}
    kept = editing.create_indicator(project, {**values, "name": "Logements", "target_value": 50})
    editing.create_indicator(project, {**values, "name": "Ateliers", "target_value": 4})
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Indicateurs"]["G2"] = 80
    book["Indicateurs"].delete_rows(3)
    book["Indicateurs"].append([None, "P12", "Familles", "", None, None, 9, None])

    refused = dry_run(client, coop_a, book, worker).content.decode()

    assert 'id="titre-indicateurs"' in refused
    assert "référence du projet « P12 » inconnue" in refused
    assert "Importer maintenant" not in refused

    book["Indicateurs"].delete_rows(book["Indicateurs"].max_row)
    report = dry_run(client, coop_a, book, worker).content.decode()

    assert '<tr id="indicateur-2">' in report and "Modifié : cible" in report
    assert "Ateliers" in report and "avec ses valeurs mesurées" in report
    job = SpreadsheetImport.objects.latest("pk")
    applied = worker(client.post, job_url(coop_a, job, "spreadsheet_job_apply"))
    message = client.get(applied["Location"]).content.decode()
    assert "1 modifié, 1 supprimé." in message
    assert list(project.indicator_set.values_list("pk", "target_value")) == [(kept.pk, 80)]
    # Recorded as made by the member who sent the file.
    assert Indicator.history.filter(history_user=staff_a).count() == 2


def test_a_workbook_without_the_indicators_sheet_says_they_are_left_alone(
    client, draft, coop_a, staff_a, worker
):
    client.force_login(staff_a)
    book = export(client, coop_a)
    del book["Indicateurs"]

    report = dry_run(client, coop_a, book, worker).content.decode()

    assert "pas de feuille « Indicateurs » : les indicateurs restent tels quels" in report
    assert 'id="titre-indicateurs"' not in report


def test_a_dry_run_kept_before_the_indicators_sheet_still_shows(client, draft, coop_a, staff_a):
    job = SpreadsheetImport.objects.create(
        selection=draft,
        owner=staff_a,
        filename="ancien.xlsx",
        state=SpreadsheetImport.State.READ,
        report={"lines": [], "removed": [], "engagements_added": []},
    )
    client.force_login(staff_a)

    response = client.get(job_url(coop_a, job))

    assert response.status_code == 200
    assert "pas de feuille « Indicateurs »" in response.content.decode()
