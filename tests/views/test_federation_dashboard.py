"""The campaign dashboard (federation:dashboard): coverage matrix, counts, exports."""

import pytest
from django.urls import reverse

from commitments import workflow
from commitments.models import Status
from tests import factories

URL = reverse("federation:dashboard")


@pytest.fixture
def campaign_in_progress(campaign, reviewer, coop_a, coop_b):
    """A validated (1–8), B submitted (3–10), Gamma draft (1, 2), Delta not started."""
    factories.make_published(coop_a, campaign, reviewer)
    submitted = factories.make_selection(coop_b, campaign, numbers=range(3, 11))
    workflow.submit_selection(selection=submitted, by=None)
    factories.make_selection(factories.make_coop("Gamma"), campaign, numbers=(1, 2))
    factories.make_coop("Delta")
    return campaign


def _row(html, name):
    return html.split(f">{name}</")[1].split("</tr>")[0]


def test_it_shows_the_coverage_matrix(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<h1") == 1
    for number in range(1, 13):
        assert f">E{number}</abbr></th>" in html
    assert '<th scope="col" class="pillar-3 fed-matrix-head">' in html
    beta = _row(html, "Coopérative Bêta")
    # A text mark for each cell, not colour alone.
    assert beta.count("✓") == 8
    assert "Engagement 3 choisi" in beta and "Engagement 11 non choisi" in beta
    assert "status-submitted" in beta
    assert 'class="fed-matrix-cell pillar-1 is-chosen"' in _row(html, "Coopérative Alpha")
    delta = _row(html, "Delta")
    assert "✓" not in delta and "Non commencée" in delta
    assert '<th scope="row">' in html


def test_it_counts_cooperatives_per_engagement_and_status(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    context = client.get(URL).context

    counts = {engagement.number: count for engagement, count in context["engagement_counts"]}
    assert counts == {1: 2, 2: 2, 3: 2, 4: 2, 5: 2, 6: 2, 7: 2, 8: 2, 9: 1, 10: 1, 11: 0, 12: 0}
    assert dict(context["status_counts"]) == {
        Status.SUBMITTED: 1,
        Status.CHANGES_REQUESTED: 0,
        Status.DRAFT: 1,
        Status.VALIDATED: 1,
    }
    assert context["not_started"] == 1


def test_it_shows_a_reopened_cooperative_by_its_latest_version(client, reviewer, campaign, coop_a):
    published = factories.make_published(coop_a, campaign, reviewer)
    workflow.reopen_selection(selection=published, by=reviewer)
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    row = _row(html, "Coopérative Alpha")
    assert "status-draft" in row and row.count("✓") == 8


def test_it_links_to_the_exports_of_the_campaign(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    for kind in ("selections", "projets"):
        for fmt in ("csv", "xlsx"):
            url = reverse("federation:export", args=[kind, fmt])
            assert f'href="{url}?campagne={campaign_in_progress.slug}"' in html


def test_it_answers_400_to_an_unknown_campaign(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    response = client.get(URL, {"campagne": "inconnue"})

    assert response.status_code == 400
    assert "Cette campagne n&#x27;existe pas." in response.content.decode()


def test_it_uses_a_constant_number_of_queries(
    client, reviewer, campaign_in_progress, django_assert_max_num_queries
):
    client.force_login(reviewer)
    # Session user (with the reviewer test, the import right and the header's
    # unread count), campaigns (the current one, the filter's list), engagements,
    # status counts, cooperatives count, one page of them, its choices,
    # engagement counts.
    with django_assert_max_num_queries(9) as few:
        assert client.get(URL).status_code == 200
    for index in range(10):
        coop = factories.make_coop(f"Coop {index}")
        factories.make_selection(coop, campaign_in_progress, numbers=range(1, 9 + index % 4))

    with django_assert_max_num_queries(9) as many:
        assert client.get(URL).status_code == 200
    assert len(many) == len(few)


def test_it_pages_the_matrix_and_keeps_the_counts_of_the_whole_campaign(
    client, reviewer, campaign_in_progress
):
    for index in range(30):
        factories.make_selection(
            factories.make_coop(f"Zeta {index:02d}"), campaign_in_progress, numbers=(1,)
        )
    client.force_login(reviewer)

    first = client.get(URL)
    last = client.get(URL, {"page": 2})

    assert len(first.context["rows"]) == 25 and len(last.context["rows"]) == 9
    assert dict(first.context["status_counts"])[Status.DRAFT] == 31
    assert "34 coopératives · page 1 sur 2" in first.content.decode()
    assert 'aria-label="Pages de la matrice"' in first.content.decode()
    # The bars count over every cooperative, not over the page.
    assert "32 / 34 coopératives" in first.content.decode()
    assert ">Zeta 29</" in last.content.decode()


def test_it_filters_the_matrix_on_a_status_and_a_name(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    submitted = client.get(URL, {"statut": "soumise"}).context["rows"]
    not_started = client.get(URL, {"statut": "non-commencee"}).context["rows"]
    named = client.get(URL, {"q": "gamm"}).context["rows"]

    assert [row.cooperative.name for row in submitted] == ["Coopérative Bêta"]
    assert [row.cooperative.name for row in not_started] == ["Delta"]
    assert [row.cooperative.name for row in named] == ["Gamma"]


def test_each_status_card_links_to_the_matrix_filtered_on_it(
    client, reviewer, campaign_in_progress
):
    client.force_login(reviewer)

    html = client.get(URL).content.decode()
    chosen = client.get(URL, {"campagne": campaign_in_progress.slug, "q": "a"}).content.decode()

    assert 'href="?statut=soumise#titre-matrice"' in html
    assert 'href="?statut=non-commencee#titre-matrice"' in html
    # The campaign and the name filter stay.
    slug = campaign_in_progress.slug
    assert f'href="?campagne={slug}&amp;q=a&amp;statut=validee#titre-matrice"' in chosen


def test_a_filter_without_match_says_so_and_keeps_the_counts(
    client, reviewer, campaign_in_progress
):
    client.force_login(reviewer)

    response = client.get(URL, {"q": "aucune coopérative de ce nom"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Aucune coopérative ne correspond à ces filtres." in html
    assert "Réinitialiser les filtres" in html
    assert dict(response.context["status_counts"])[Status.SUBMITTED] == 1


def test_a_bad_status_filter_is_refused_next_to_the_field(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    response = client.get(URL, {"statut": "inconnu", "page": "abc"})

    assert response.status_code == 400
    assert "Ce statut n&#x27;existe pas." in response.content.decode()
    assert len(response.context["rows"]) == 4


def test_its_html_stays_small_whatever_the_number_of_cooperatives(
    client, reviewer, campaign_in_progress
):
    def add(count, start):
        for index in range(start, start + count):
            factories.make_selection(
                factories.make_coop(f"Coop {index:03d}"), campaign_in_progress, numbers=(1, 2)
            )

    client.force_login(reviewer)
    add(30, 0)
    full_page = len(client.get(URL).content)
    add(270, 30)
    ten_times = len(client.get(URL).content)

    # One page of 25 rows, whatever the federation's size (the target is 200 KB):
    # only the counters and the pagination bar grow.
    assert ten_times < 200 * 1024
    assert ten_times - full_page < 1024


def test_the_bars_count_in_the_number_of_their_total(client, reviewer, campaign_in_progress):
    client.force_login(reviewer)

    html = client.get(URL).content.decode()

    # Engagement 9 is chosen by one cooperative out of four: "1 / 4 coopératives".
    assert "1 / 4 coopératives" in html and "0 / 4 coopératives" in html
    assert "/ 4 coopérative<" not in html
