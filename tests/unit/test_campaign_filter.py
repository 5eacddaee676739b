"""The federation's campaign filter reads the campaigns once for its select and its validation."""

import pytest

from qualicoop.federation.forms import CampaignFilterForm
from tests import factories

pytestmark = pytest.mark.django_db


def test_it_validates_and_draws_the_select_from_one_read(campaign, django_assert_num_queries):
    older = factories.make_campaign("Campagne 2024", open_=False)

    with django_assert_num_queries(1):
        form = CampaignFilterForm({"campagne": older.slug})
        assert form.is_valid()
        html = str(form["campagne"])

    assert form.cleaned_data["campagne"] == older
    assert f'<option value="{older.slug}" selected>Campagne 2024</option>' in html
    assert f'<option value="{campaign.slug}">' in html


def test_an_unknown_campaign_is_refused_in_french(campaign):
    form = CampaignFilterForm({"campagne": "inconnue"})

    assert not form.is_valid()
    assert form.errors["campagne"] == ["Cette campagne n'existe pas."]


def test_each_form_reads_the_campaigns_as_they_are_now(campaign):
    assert len(list(CampaignFilterForm({})["campagne"].field.choices)) == 1
    factories.make_campaign("Campagne suivante")

    assert len(list(CampaignFilterForm({})["campagne"].field.choices)) == 2
