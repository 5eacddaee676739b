"""The federation's catalogue of indicators: loaded once, edited in the admin, mapped onto."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from commitments import catalogue
from commitments.models import (
    CatalogueIndicator,
    Engagement,
    IndicatorMapping,
    Project,
    SustainableDevelopmentGoal,
    VsmeDisclosure,
)
from commitments.workflow import WorkflowError
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_starting_catalogue_loads_with_its_reference_tags():
    call_command("load_reference_data", "reference", "catalogue")

    assert SustainableDevelopmentGoal.objects.count() == 17
    assert str(SustainableDevelopmentGoal.objects.get(number=1)) == "ODD 1 — Pas de pauvreté"
    assert VsmeDisclosure.objects.count() == 11
    assert str(VsmeDisclosure.objects.get(code="B3")).startswith("B3 — Énergie")
    indicators = list(CatalogueIndicator.objects.prefetch_related("engagements"))
    assert 18 <= len(indicators) <= 25
    # A proposal, never presented as the federation's official list; each serves an engagement.
    for indicator in indicators:
        assert "Proposition de départ, à valider par la fédération." in indicator.definition
        assert indicator.engagements.all()
    served = set(Engagement.objects.filter(catalogue_indicators__isnull=False).distinct())
    assert len(served) == 12


def test_a_second_run_changes_nothing_and_keeps_an_administrators_edit():
    call_command("load_reference_data", "reference", "catalogue")
    edited = CatalogueIndicator.objects.get(code="menages-accompagnes")
    edited.label = "Ménages accompagnés (définition de la fédération)"
    edited.save()
    count, history = CatalogueIndicator.objects.count(), edited.history.count()

    call_command("load_reference_data", "reference", "catalogue")

    edited.refresh_from_db()
    assert edited.label == "Ménages accompagnés (définition de la fédération)"
    assert CatalogueIndicator.objects.count() == count
    assert edited.history.count() == history


def test_the_admin_edits_the_catalogue_with_its_history(admin_client, reference):
    call_command("load_reference_data", "catalogue")
    indicator = CatalogueIndicator.objects.get(code="menages-accompagnes")

    changelist = admin_client.get(
        reverse("admin:commitments_catalogueindicator_changelist"), {"q": "ménages"}
    )
    history = admin_client.get(
        reverse("admin:commitments_catalogueindicator_history", args=[indicator.pk])
    )

    assert changelist.status_code == 200
    assert "Ménages accompagnés" in changelist.text
    assert history.status_code == 200


@pytest.fixture
def free_indicator(campaign, coop_a):
    selection = factories.make_selection(coop_a, campaign, numbers=[11])
    project = Project.objects.get(choice__selection=selection)
    return factories.make_indicator(project, name="Consommation", unit="MWh", target=120)


def _catalogue_indicator(**fields):
    indicator = CatalogueIndicator.objects.create(
        code=fields.pop("code", "energie"),
        label=fields.pop("label", "Énergie consommée"),
        unit=fields.pop("unit", "kWh"),
        definition="Proposition de départ, à valider par la fédération.",
        **fields,
    )
    indicator.engagements.set(Engagement.objects.filter(number=11))
    return indicator


def test_mapping_a_free_indicator_links_it_and_records_who_when_and_the_factor(
    free_indicator, reviewer
):
    common = _catalogue_indicator()

    mapping = catalogue.map_indicator(
        indicator=free_indicator, catalogue=common, factor=Decimal(1000), by=reviewer
    )

    free_indicator.refresh_from_db()
    assert free_indicator.catalogue == common
    assert free_indicator.catalogue_factor == 1000
    # Its own unit and values stay what the cooperative published.
    assert free_indicator.unit == "MWh"
    assert (mapping.by, mapping.factor, mapping.former_name) == (reviewer, 1000, "Consommation")
    assert mapping.history.count() == 1


def test_an_indicator_is_mapped_once_and_never_by_a_negative_factor(free_indicator, reviewer):
    common = _catalogue_indicator()
    with pytest.raises(WorkflowError):
        catalogue.map_indicator(
            indicator=free_indicator, catalogue=common, factor=Decimal(-1), by=reviewer
        )
    catalogue.map_indicator(indicator=free_indicator, catalogue=common, by=reviewer)
    with pytest.raises(WorkflowError):
        catalogue.map_indicator(indicator=free_indicator, catalogue=common, by=reviewer)
    assert IndicatorMapping.objects.count() == 1


def test_the_admin_maps_a_free_indicator_with_a_factor(admin_client, admin_user, free_indicator):
    common = _catalogue_indicator()

    response = admin_client.post(
        reverse("admin:commitments_indicatormapping_add"),
        {"indicator": free_indicator.pk, "catalogue": common.pk, "factor": "1000"},
    )

    assert response.status_code == 302
    mapping = IndicatorMapping.objects.get()
    assert (mapping.by, mapping.factor) == (admin_user, 1000)
    free_indicator.refresh_from_db()
    assert free_indicator.catalogue == common
