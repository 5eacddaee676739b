"""Campaign exports (federation:export): formats, file names, the campaign chosen."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tests import factories


@pytest.fixture
def published(campaign, coop_a, reviewer):
    return factories.make_published(coop_a, campaign, reviewer)


def test_it_streams_a_csv_for_excel(client, reviewer, published, campaign):
    client.force_login(reviewer)

    response = client.get(
        reverse("federation:export", args=["selections", "csv"]), {"campagne": campaign.slug}
    )

    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="qualicoop-{campaign.slug}-selections.csv"'
    )
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith('\ufeff"Coopérative";"Campagne";')
    assert '"Coopérative Alpha";"Campagne ouverte";"1";"Validée";' in text


def test_it_sends_a_workbook(client, reviewer, published, campaign):
    client.force_login(reviewer)

    response = client.get(reverse("federation:export", args=["projets", "xlsx"]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"qualicoop-{campaign.slug}-projets.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    assert sheet.max_row == 9  # the header and the 8 projects


def test_it_exports_the_campaign_asked_for(client, reviewer, published):
    old = factories.make_campaign("Campagne passée", open_=False)
    client.force_login(reviewer)

    response = client.get(
        reverse("federation:export", args=["selections", "csv"]), {"campagne": old.slug}
    )

    lines = b"".join(response.streaming_content).decode("utf-8").splitlines()
    assert len(lines) == 1  # nothing but the header: A's selection is in the open campaign


@pytest.mark.parametrize(
    "path",
    [
        "/federation/export/selections.csv?campagne=inconnue",
        "/federation/export/cooperatives.csv",
        "/federation/export/projets.pdf",
    ],
)
def test_it_is_a_404_for_an_unknown_export(client, reviewer, published, path):
    client.force_login(reviewer)

    assert client.get(path).status_code == 404
