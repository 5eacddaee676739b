"""Public pages run a constant number of SQL queries whatever the data size.

Each page is measured on the seed (8 cooperatives, 67 projects), then again
after ten times as much published content has been added; the count must not
move, and must stay small. The larger world is built once for the module.
"""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories
from tests.module_world import module_world
from tests.network_support import add_cooperatives, build_network

pytestmark = pytest.mark.django_db

MAX_QUERIES = 5
# The home and engagement pages add their progress roll-ups: three aggregates.
MAX_QUERIES_OF = {"home": 8, "engagement": 8}
EXTRA_COOPERATIVES = 72

PAGES = {
    "home": lambda: reverse("public:home"),
    "engagement": lambda: reverse("public:engagement", args=[7]),
    "directory": lambda: reverse("public:cooperatives"),
    "directory, page 2": lambda: reverse("public:cooperatives") + "?page=2",
    "cooperative": lambda: reverse("public:cooperative", args=["grand-delta-habitat"]),
}


def queries_of(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def add_tenfold_content(campaign, reviewer):
    """72 more cooperatives with published selections of 8 engagements and 3 projects each.

    The engagements rotate so that every engagement page grows, and the last
    cooperative chose all 12, with 10 projects each, for a large profile.
    """
    for index in range(EXTRA_COOPERATIVES - 1):
        numbers = [(index + offset) % 12 + 1 for offset in range(8)]
        factories.make_published(
            factories.make_coop(f"Coopérative {index:03d}"),
            campaign,
            reviewer,
            numbers=numbers,
            projects_per=3,
        )
    factories.make_published(
        factories.make_coop("Coopérative Complète"),
        campaign,
        reviewer,
        numbers=range(1, 13),
        projects_per=10,
    )


@pytest.fixture(scope="module")
def tenfold(django_db_setup, django_db_blocker, tmp_path_factory):
    """Each page's count on the seed, then ten times the content: built once for the module.

    The world lives in a transaction of the module's own, rolled back after
    its last test; each test runs in a savepoint inside it, as usual
    (tests/module_world.py).
    """
    with module_world(django_db_blocker, tmp_path_factory):
        # The reference data is there already (tests/conftest.py, django_db_setup).
        call_command("loaddata", "cooperatives", "campaign_2024", verbosity=0)
        campaign = factories.make_campaign()
        client = Client()
        on_the_seed = {}
        for name, url in PAGES.items():
            queries_of(client, url())  # warm-up: first-request caches (content types, …)
            on_the_seed[name] = queries_of(client, url())
        # Le réseau en chiffres: two cooperatives reporting catalogue values, then twenty.
        reviewer = factories.make_reviewer()
        network = build_network(campaign, reviewer, size=2)
        queries_of(client, reverse("discovery:network"))  # warm-up
        on_the_seed["network"] = queries_of(client, reverse("discovery:network"))
        add_tenfold_content(campaign, reviewer)
        add_cooperatives(network, campaign, reviewer, range(2, 20))
        yield on_the_seed


@pytest.mark.parametrize("name", PAGES)
def test_it_runs_the_same_few_queries_with_ten_times_the_data(client, tenfold, name):
    url = PAGES[name]()
    before = tenfold[name]

    after = queries_of(client, url)

    assert before <= MAX_QUERIES_OF.get(name, MAX_QUERIES), f"{name}: {before} queries"
    assert after == before, f"{name}: {before} queries on the seed, {after} with 10× data"


def test_it_reads_a_large_profile_in_as_many_queries_as_a_small_one(client, tenfold):
    small = tenfold["cooperative"]  # grand-delta-habitat, on the seed

    large = queries_of(client, reverse("public:cooperative", args=["cooperative-complete"]))

    assert large == small <= MAX_QUERIES


def test_it_reads_an_unpublished_profile_in_fewer_queries(client, reference):
    factories.make_coop("Coop Discrète")

    assert queries_of(client, reverse("public:cooperative", args=["coop-discrete"])) <= 2


def test_the_network_figures_run_the_same_few_queries_with_ten_times_the_data(client, tenfold):
    url = reverse("discovery:network")
    before = tenfold["network"]  # 2 cooperatives reporting

    response = client.get(url)
    after = queries_of(client, url)  # 20 cooperatives reporting

    assert before <= MAX_QUERIES, f"{before} queries"
    assert after == before, f"{before} queries with 2 cooperatives, {after} with 20"
    assert "Ménages accompagnés" in response.text
