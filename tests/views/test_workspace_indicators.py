"""/espace/<slug>/…/indicateurs/: a project's indicators and their measured values."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import workflow
from commitments.models import Indicator, Measurement, Project
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[1])
    return Project.objects.get(choice__selection=selection)


@pytest.fixture
def indicator(project):
    return factories.make_indicator(project, target=120)


def _create(coop, project):
    return reverse("workspace:indicator_create", args=[coop.slug, project.pk])


def test_it_takes_numbers_as_they_are_written_in_french(client, coop_a, project, staff_a):
    client.force_login(staff_a)

    response = client.post(
        _create(coop_a, project),
        {
            "name": "Familles accompagnées",
            "unit": "familles",
            "baseline_value": "1 250,5",
            "baseline_date": "01/01/2025",
            "target_value": "2\u202f000",
            "target_date": "2027-12-31",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith(f"/engagements/1/#projet-{project.pk}")
    indicator = Indicator.objects.get()
    assert (indicator.baseline_value, indicator.target_value) == (Decimal("1250.5"), 2000)
    assert indicator.baseline_date == datetime.date(2025, 1, 1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("target_value", "beaucoup", "Saisissez un nombre, par exemple 1 250,5."),
        ("target_value", "", "Donnez la valeur à atteindre."),
        ("target_value", "12345678901", "Ce nombre est trop grand"),
        ("baseline_value", "1,234", "Deux chiffres au plus après la virgule."),
        ("target_date", "31/02/2027", "Saisissez une date valide"),
    ],
)
def test_a_bad_number_or_date_is_refused_next_to_the_field_keeping_the_rest(
    client, coop_a, project, staff_a, field, value, message
):
    client.force_login(staff_a)
    data = {"name": "Familles accompagnées", "target_value": "10", field: value}

    response = client.post(_create(coop_a, project), data)

    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[field])
    assert "Familles accompagnées" in response.content.decode()
    assert not Indicator.objects.exists()


def test_the_target_date_comes_after_the_baseline(client, coop_a, project, staff_a):
    client.force_login(staff_a)

    response = client.post(
        _create(coop_a, project),
        {
            "name": "Logements",
            "target_value": "10",
            "baseline_date": "2026-01-01",
            "target_date": "2025-01-01",
        },
    )

    assert "vient après la date de départ" in response.content.decode()


def test_the_engagement_page_lists_indicators_with_their_latest_value(
    client, coop_a, indicator, staff_a
):
    factories.make_measurement(indicator, Decimal("1250.5"), measured_on=datetime.date(2025, 6, 30))
    client.force_login(staff_a)

    content = client.get(reverse("workspace:engagement", args=[coop_a.slug, 1])).content.decode()

    assert "Logements livrés : à 120 logements" in content
    assert "dernière mesure : 1\xa0250,5 logements au 30 juin 2025" in content
    assert reverse("workspace:measurement_create", args=[coop_a.slug, indicator.pk]) in content


def test_it_edits_and_deletes_after_confirmation(client, coop_a, indicator, staff_a):
    client.force_login(staff_a)
    edit = reverse("workspace:indicator_edit", args=[coop_a.slug, indicator.pk])

    assert client.get(edit).context["form"]["target_value"].value() == "120"
    client.post(edit, {"name": "Logements livrés", "target_value": "150"})
    indicator.refresh_from_db()
    assert indicator.target_value == 150

    delete = reverse("workspace:indicator_delete", args=[coop_a.slug, indicator.pk])
    assert "Supprimer l'indicateur « Logements livrés » ?" in client.get(delete).content.decode()
    assert Indicator.objects.exists()
    client.post(delete)
    assert not Indicator.objects.exists()


def test_it_adds_a_dated_measured_value_never_in_the_future(client, coop_a, indicator, staff_a):
    client.force_login(staff_a)
    url = reverse("workspace:measurement_create", args=[coop_a.slug, indicator.pk])
    tomorrow = timezone.localdate() + datetime.timedelta(days=2)

    refused = client.post(url, {"value": "12", "measured_on": tomorrow.isoformat()})
    client.post(url, {"value": "12,5", "measured_on": "2025-06-30", "comment": "Bilan 2025"})

    assert "dans le futur" in refused.content.decode()
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.comment) == (Decimal("12.5"), "Bilan 2025")


def test_a_submitted_selection_takes_no_new_indicator(client, campaign, coop_a, staff_a, reference):
    selection = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=selection, by=staff_a)
    project = Project.objects.filter(choice__selection=selection).first()
    client.force_login(staff_a)

    response = client.post(_create(coop_a, project), {"name": "X", "target_value": "1"})

    assert response.status_code == 302
    assert response["Location"] == reverse("workspace:dashboard", args=[coop_a.slug])
    assert not Indicator.objects.exists()


def _common(number, **fields):
    from commitments.models import CatalogueIndicator, Engagement

    common = CatalogueIndicator.objects.create(definition="Proposition de départ.", **fields)
    common.engagements.set(Engagement.objects.filter(number=number))
    return common


def test_it_offers_the_engagements_catalogue_indicators_first(client, coop_a, project, staff_a):
    _common(1, code="accession", label="Logements livrés en accession sociale", unit="logements")
    _common(11, code="energie", label="Part des logements A–C", unit="%")
    client.force_login(staff_a)

    page = client.get(_create(coop_a, project)).text

    assert page.index('name="catalogue"') < page.index('name="name"')
    assert "Indicateur libre" in page
    assert "Logements livrés en accession sociale" in page
    assert "Part des logements A–C" not in page


def test_a_catalogue_indicator_imposes_its_unit(client, coop_a, project, staff_a):
    common = _common(1, code="accession", label="Logements en accession", unit="logements")
    client.force_login(staff_a)

    response = client.post(
        _create(coop_a, project),
        {"catalogue": common.pk, "name": "", "unit": "maisons", "target_value": "12"},
    )

    assert response.status_code == 302
    indicator = Indicator.objects.get()
    assert (indicator.catalogue, indicator.name, indicator.unit) == (
        common,
        "Logements en accession",
        "logements",
    )


def test_another_engagements_catalogue_indicator_is_refused(client, coop_a, project, staff_a):
    other = _common(11, code="energie", label="Part des logements A–C", unit="%")
    client.force_login(staff_a)

    response = client.post(
        _create(coop_a, project), {"catalogue": other.pk, "name": "x", "target_value": "12"}
    )

    assert response.status_code == 400
    assert not Indicator.objects.exists()


def test_a_free_indicator_still_needs_a_name(client, coop_a, project, staff_a):
    client.force_login(staff_a)

    response = client.post(_create(coop_a, project), {"name": "", "target_value": "12"})

    assert response.status_code == 400
    assert "Nommez l&#x27;indicateur." in response.text
