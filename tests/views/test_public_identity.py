"""One public identity per project and per indicator, across versions and cycles.

Coopérative Alpha's selection is reopened and validated twice, then carried
into a new cycle: every address, API object, open-data row, sitemap entry,
spreadsheet and PDF reference names its projects and indicators as it did at first, and
the row id of a later version leads to the project's one address.
"""

import datetime
import io
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from openpyxl import load_workbook

from commitments import editing, spreadsheet_import, workflow
from commitments.models import Carry, Project, Selection
from tests import factories
from tests.opendata_support import make_indicator, post_update
from tests.unit.test_documents import flat, pdf_text

pytestmark = pytest.mark.django_db


def _validated(selection, reviewer):
    workflow.submit_selection(selection=selection, by=None, today=selection.campaign.opens_on)
    workflow.validate_selection(selection=selection, by=reviewer)
    return Selection.objects.get(pk=selection.pk)


def _json(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(body)


def _dataset(client, slug):
    return _json(client, reverse("discovery:opendata_dataset_json", args=[slug]))["donnees"]


def ids_seen_by_the_public(client, selection):
    """Every id the public reads, by where it reads it."""
    projects = _dataset(client, "projets")
    indicators = _dataset(client, "indicateurs")
    measurements = _dataset(client, "mesures")
    updates = _dataset(client, "points-etape")
    api = _json(client, reverse("discovery:api_projects"))["results"]
    sitemap = client.get(reverse("discovery:sitemap_projects")).content.decode()
    profile = client.get(reverse("public:cooperative", args=[selection.cooperative.slug]))
    book = load_workbook(io.BytesIO(spreadsheet_import.workbook(selection)))
    pdf = client.get(reverse("documents:cooperative_pdf", args=[selection.cooperative.slug]))
    pdf_body = b"".join(pdf.streaming_content) if pdf.streaming else pdf.content
    return {
        "projects (open data)": sorted(record["id"] for record in projects),
        "projects (API)": sorted(record["id"] for record in api),
        "projects (sitemap)": sorted(
            int(pk)
            for pk in re.findall(
                rf"<loc>{re.escape(settings.SITE_URL)}/projets/(\d+)/</loc>", sitemap
            )
        ),
        "projects (profile page links)": sorted(
            int(pk) for pk in re.findall(r'href="/projets/(\d+)/"', profile.content.decode())
        ),
        "projects (spreadsheet)": sorted(
            row[0].value for row in book.worksheets[0].iter_rows(min_row=2)
        ),
        "projects (PDF)": sorted(
            int(pk) for pk in re.findall(r"Référence (\d+)", flat(pdf_text(pdf_body)))
        ),
        "indicators (open data)": sorted((r["id"], r["projet_id"]) for r in indicators),
        "indicators (API)": sorted(
            (indicator["id"], record["id"])
            for record in api
            for indicator in record["indicateurs_chiffres"]
        ),
        "measurements": sorted(
            (r["indicateur_id"], r["projet_id"], r["date"]) for r in measurements
        ),
        "updates": sorted((r["id"], r["projet_id"]) for r in updates),
    }


def test_projects_and_indicators_keep_their_ids_through_reopenings_and_a_new_cycle(
    client, reference, reviewer
):
    coop = factories.make_coop("Coopérative Alpha")
    first_campaign = factories.make_campaign("Campagne 2024", open_=False, minimum=2)
    selection = factories.make_selection(coop, first_campaign, numbers=[1, 2], projects_per=2)
    followed = Project.objects.filter(choice__selection=selection).order_by("pk").first()
    make_indicator(followed, values=[(datetime.date(2025, 3, 1), 10)])
    selection = _validated(selection, reviewer)
    indicator = followed.indicator_set.get()
    post_update(followed, values=[(indicator, 30, datetime.date(2025, 6, 30))], reviewer=reviewer)
    before = ids_seen_by_the_public(client, selection)
    assert len(before["projects (open data)"]) == 4
    assert before["projects (PDF)"] == before["projects (open data)"]
    assert before["indicators (open data)"] == [(indicator.pk, followed.pk)]
    assert len(before["measurements"]) == 2

    for _reopening in range(2):
        selection = _validated(
            workflow.reopen_selection(selection=selection, by=reviewer), reviewer
        )
        assert ids_seen_by_the_public(client, selection) == before

    second_campaign = factories.make_campaign("Campagne 2027", minimum=2)
    draft = workflow.start_selection(
        cooperative=coop, campaign=second_campaign, by=None, copy_from=selection
    )
    for carried in Project.objects.filter(choice__selection=draft):
        editing.mark_carry(carried, Carry.RENEWED)
    selection = _validated(draft, reviewer)

    assert ids_seen_by_the_public(client, selection) == before
    current = Project.objects.get(choice__selection=selection, lineage=followed.lineage)
    assert current.pk != followed.pk
    page = client.get(reverse("public:project", args=[followed.pk]))
    assert page.status_code == 200
    assert page.context["project"].pk == current.pk
    # The row id of a later version, published before projects had one identity.
    html = client.get(reverse("public:project", args=[current.pk]))
    assert html.status_code == 301
    assert html["Location"] == reverse("public:project", args=[followed.pk])
    api = client.get(reverse("discovery:api_project", args=[current.pk]))
    assert api.status_code == 301
    assert api["Location"].endswith(reverse("discovery:api_project", args=[followed.pk]))
    assert _json(client, api["Location"])["id"] == followed.pk


def test_an_unknown_id_is_still_a_404_in_html_and_api(client, campaign, coop_a, reviewer):
    factories.make_published(coop_a, campaign, reviewer)

    assert client.get(reverse("public:project", args=[999999])).status_code == 404
    assert client.get(reverse("discovery:api_project", args=[999999])).status_code == 404
