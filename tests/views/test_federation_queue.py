"""The review queue (federation:queue): groups, order, filters, cooperatives not started."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from commitments import workflow
from commitments.models import Selection
from tests import factories

URL = reverse("federation:queue")
NUMBERS = range(1, 9)


def _submitted(coop, campaign, *, days_ago):
    selection = factories.make_selection(coop, campaign, numbers=NUMBERS)
    workflow.submit_selection(selection=selection, by=None)
    # Test data: when it was submitted, so that the order is known.
    Selection.objects.filter(pk=selection.pk).update(
        submitted_at=timezone.now() - datetime.timedelta(days=days_ago)
    )
    return selection


@pytest.fixture
def landscape(campaign, reviewer):
    """One cooperative in each state of the campaign, and one that has not started."""
    coops = {
        name: factories.make_coop(name)
        for name in ("Bêta", "Gamma", "Delta", "Epsilon", "Dzêta", "Êta")
    }
    late = _submitted(coops["Bêta"], campaign, days_ago=1)
    early = _submitted(coops["Gamma"], campaign, days_ago=5)
    changes = _submitted(coops["Delta"], campaign, days_ago=3)
    workflow.request_changes(selection=changes, by=reviewer, message="Précisez.")
    factories.make_selection(coops["Epsilon"], campaign, numbers=(1, 2), projects_per=3)
    validated = factories.make_published(coops["Dzêta"], campaign, reviewer)
    return {"late": late, "early": early, "changes": changes, "validated": validated, **coops}


def _groups(response):
    return {group.slug: group for group in response.context["groups"]}


def _listed(group):
    return [item.cooperative.name for item in group.rows]


def test_it_groups_selections_in_review_order(client, reviewer, landscape):
    client.force_login(reviewer)

    response = client.get(URL)

    assert response.status_code == 200
    groups = _groups(response)
    assert list(groups) == [
        "soumise",
        "modifications-demandees",
        "brouillon",
        "validee",
        "non-commencee",
    ]
    # Oldest submission first, whatever the order of creation.
    assert _listed(groups["soumise"]) == ["Gamma", "Bêta"]
    assert _listed(groups["modifications-demandees"]) == ["Delta"]
    assert _listed(groups["brouillon"]) == ["Epsilon"]
    assert _listed(groups["validee"]) == ["Dzêta"]
    assert [coop.name for coop in groups["non-commencee"].rows] == ["Êta"]
    assert [group.count for group in groups.values()] == [2, 1, 1, 1, 1]
    html = response.content.decode()
    titles = ["Soumises", "Modifications demandées", "Brouillons", "Validées", "sans sélection"]
    positions = [html.index(f'class="h4 d-flex align-items-center gap-2">{t}') for t in titles[:4]]
    assert positions == sorted(positions)
    assert html.index("Coopératives sans sélection") > positions[-1]


def test_it_shows_deadline_activity_and_counts(client, reviewer, landscape, campaign):
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    assert campaign.name in html
    assert f"Clôture le {campaign.closes_on.day} " in html
    epsilon = html.split(">Epsilon</a>")[1].split("</tr>")[0]
    # Two engagements, six projects, and the warning that 2 is below the minimum.
    assert '<td class="text-end counter" data-label="Engagements">2 <span class="fed-short"' in (
        epsilon
    )
    assert '<td class="text-end counter" data-label="Projets">6</td>' in epsilon
    assert "en dessous du minimum" in epsilon
    assert (
        landscape["Epsilon"]
        .selections.get()
        .updated_at.astimezone(timezone.get_current_timezone())
        .strftime("%d/%m/%Y %H:%M")
        in epsilon
    )


def test_it_counts_a_cooperative_with_only_another_campaign_as_not_started(
    client, reviewer, landscape
):
    old = factories.make_campaign("Campagne passée", open_=False)
    zeta = factories.make_coop("Zêta")
    factories.make_selection(zeta, old, numbers=(1,))
    client.force_login(reviewer)

    groups = _groups(client.get(URL))

    assert [coop.name for coop in groups["non-commencee"].rows] == ["Zêta", "Êta"]


def test_it_filters_by_status_in_the_url(client, reviewer, landscape):
    client.force_login(reviewer)

    response = client.get(URL, {"statut": "soumise"})

    html = response.content.decode()
    assert 'id="groupe-soumise"' in html
    assert 'id="groupe-brouillon"' not in html
    assert 'id="groupe-non-commencee"' not in html
    assert "Gamma" in html and "Epsilon" not in html
    # The counts of the other groups stay visible in the summary.
    assert [group.count for group in response.context["groups"]] == [2, 1, 1, 1, 1]


def test_it_searches_by_cooperative_name(client, reviewer, landscape):
    client.force_login(reviewer)

    response = client.get(URL, {"q": "gam"})

    groups = _groups(response)
    assert _listed(groups["soumise"]) == ["Gamma"]
    assert [group.count for group in groups.values()] == [1, 0, 0, 0, 0]
    assert 'value="gam"' in response.content.decode()


def test_it_shows_the_chosen_campaign(client, reviewer, landscape):
    old = factories.make_campaign("Campagne passée", open_=False)
    factories.make_selection(landscape["Êta"], old, numbers=(1,))
    client.force_login(reviewer)

    response = client.get(URL, {"campagne": old.slug})

    assert response.context["campaign"] == old
    groups = _groups(response)
    assert _listed(groups["brouillon"]) == ["Êta"]
    assert groups["soumise"].count == 0
    assert "campagne close" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"statut": "perdue"}, "Ce statut n&#x27;existe pas."),
        ({"campagne": "campagne-inconnue"}, "Cette campagne n&#x27;existe pas."),
        ({"q": "x" * 101}, "Assurez-vous que cette valeur comporte au plus 100 caractères"),
    ],
)
def test_it_answers_400_next_to_a_bad_filter(client, reviewer, landscape, params, message):
    client.force_login(reviewer)

    response = client.get(URL, params)

    assert response.status_code == 400
    assert message in response.content.decode()
    # The rest of the page still works, on the current campaign.
    assert response.context["campaign"].slug == "campagne-ouverte"


def test_it_pages_through_a_long_group(client, reviewer, campaign):
    for index in range(30):
        factories.make_selection(factories.make_coop(f"Coop {index:02d}"), campaign)
    client.force_login(reviewer)

    first = client.get(URL, {"statut": "brouillon"})
    group = _groups(first)["brouillon"]
    assert len(group.page) == 25
    assert "page-brouillon=2" in group.next_url and "statut=brouillon" in group.next_url

    second = client.get(URL, {"statut": "brouillon", "page-brouillon": "2"})
    assert _listed(_groups(second)["brouillon"]) == [f"Coop {i}" for i in range(25, 30)]


def test_the_overview_shows_the_first_rows_of_each_group_and_links_to_the_rest(
    client, reviewer, campaign
):
    for index in range(12):
        factories.make_selection(factories.make_coop(f"Coop {index:02d}"), campaign)
    for index in range(3):
        factories.make_coop(f"Sans sélection {index}")
    client.force_login(reviewer)

    response = client.get(URL)

    groups = _groups(response)
    drafts = groups["brouillon"]
    assert drafts.count == 12
    assert _listed(drafts) == [f"Coop {i:02d}" for i in range(10)]
    assert drafts.page is None
    assert "statut=brouillon" in drafts.all_url
    html = response.content.decode()
    assert "Tout voir : Brouillons (12, 10 affichées ici)" in html
    # A group that fits entirely needs no link.
    assert len(groups["non-commencee"].rows) == 3 and not groups["non-commencee"].all_url

    alone = _groups(client.get(URL + drafts.all_url))["brouillon"]
    assert len(alone.rows) == 12 and alone.page.number == 1


def test_it_shows_a_page_without_campaign(client, reviewer):
    client.force_login(reviewer)

    response = client.get(URL)

    assert response.status_code == 200
    assert "Aucune campagne n'est encore ouverte" in response.content.decode()


def test_it_uses_a_constant_number_of_queries(
    client, reviewer, landscape, campaign, django_assert_max_num_queries
):
    client.force_login(reviewer)
    # The campaigns are read once for the filter bar (select and validation).
    with django_assert_max_num_queries(12) as few:
        assert client.get(URL).status_code == 200
    for index in range(12):
        coop = factories.make_coop(f"Coop {index:02d}")
        if index % 3:
            _submitted(coop, campaign, days_ago=index)

    with django_assert_max_num_queries(12) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)
