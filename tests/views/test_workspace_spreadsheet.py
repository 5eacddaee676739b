"""/espace/<slug>/tableur/: the selection as a spreadsheet, sent back, dry run, import."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from commitments import workflow
from commitments.models import Campaign, Project, Selection
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


def dry_run(client, coop, book, name="selection.xlsx"):
    return client.post(url("spreadsheet_import", coop), {"fichier": upload(book, name)})


def signed_plan(response):
    return re.search(r'name="plan" value="([^"]+)"', response.content.decode()).group(1)


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


def test_a_dry_run_then_the_import(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Titre changé hors ligne"
    book["Projets"].delete_rows(5)
    book["Projets"].append(
        [None, 3, None, "Projet ajouté", "Sa description.", None, None, None, None]
    )
    before = titles(draft)

    report = dry_run(client, coop_a, book)

    assert report.status_code == 200
    content = report.content.decode()
    assert "Essai à blanc de « selection.xlsx »" in content
    assert "modifié" in content and "créé" in content and "supprimé" in content
    assert "L'engagement 3 est ajouté à la sélection." in content
    assert "1 projet absent du fichier sera supprimé." in content
    assert titles(draft) == before  # nothing written by the dry run

    applied = client.post(url("spreadsheet_import", coop_a), {"plan": signed_plan(report)})

    assert applied.status_code == 302
    assert applied["Location"] == url("spreadsheet", coop_a)
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


def test_an_unchanged_file_changes_nothing(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    before = list(Project.objects.filter(choice__selection=draft).values_list("pk", "version"))

    report = dry_run(client, coop_a, export(client, coop_a))

    assert "Ce fichier ne changerait rien" in report.content.decode()
    assert 'name="plan"' not in report.content.decode()
    assert (
        list(Project.objects.filter(choice__selection=draft).values_list("pk", "version")) == before
    )


def test_a_bad_file_is_refused_next_to_the_field(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    before = titles(draft)

    response = client.post(
        url("spreadsheet_import", coop_a),
        {"fichier": SimpleUploadedFile("selection.xlsm", b"PK\x03\x04macros")},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert escape("Les classeurs avec macros (.xlsm) sont refusés") in content
    assert titles(draft) == before


def test_a_refused_row_keeps_the_import_button_away(client, draft, coop_a, staff_a):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["B2"] = 13

    response = dry_run(client, coop_a, book)

    content = response.content.decode()
    assert "n&#x27;existe pas : les engagements sont numérotés de 1 à 12." in content
    assert "rien ne sera importé tant qu'elles ne sont pas corrigées" in content
    assert 'name="plan"' not in content


def test_someone_elses_dry_run_is_not_applied(client, draft, coop_a, staff_a, contributor_a):
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé par Alice"
    plan = signed_plan(dry_run(client, coop_a, book))
    client.force_login(contributor_a)

    response = client.post(url("spreadsheet_import", coop_a), {"plan": plan})

    assert response.status_code == 200
    assert "a expiré ou n&#x27;est pas valable" in response.content.decode()
    assert "Changé par Alice" not in titles(draft)


def test_a_forged_plan_is_refused(client, draft, coop_a, staff_a):
    client.force_login(staff_a)

    response = client.post(url("spreadsheet_import", coop_a), {"plan": "pas-un-plan"})

    assert response.status_code == 200
    assert "a expiré ou n&#x27;est pas valable" in response.content.decode()


def test_a_submitted_selection_accepts_no_import(client, campaign, coop_a, staff_a):
    Campaign.objects.filter(pk=campaign.pk).update(min_engagements=2)
    selection = factories.make_selection(coop_a, campaign, numbers=[1, 2])
    workflow.submit_selection(selection=selection, by=None)
    client.force_login(staff_a)
    book = export(client, coop_a)
    book["Projets"]["D2"] = "Changé après soumission"

    page = client.get(url("spreadsheet", coop_a)).content.decode()
    response = dry_run(client, coop_a, book)

    assert "n'accepte donc pas d'import" in page
    assert response.status_code == 302
    assert response["Location"] == url("dashboard", coop_a)
    assert "Changé après soumission" not in titles(Selection.objects.get(pk=selection.pk))


def test_another_cooperatives_staff_gets_a_404(client, draft, coop_a, staff_b):
    client.force_login(staff_b)

    for name in ("spreadsheet", "spreadsheet_export", "spreadsheet_import"):
        assert client.get(url(name, coop_a)).status_code == 404
