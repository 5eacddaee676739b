"""The directory's pages (public:cooperatives): thirty published cooperatives, two pages.

The thirty cooperatives are built once for the module and read by each test
(tests/module_world.py).
"""

import pytest
from django.urls import reverse

from tests import factories
from tests.module_world import module_world
from tests.views.test_public_cooperatives import listed_slugs

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def thirty_published(django_db_setup, django_db_blocker, tmp_path_factory):
    """Thirty cooperatives with a published selection: two pages of the directory."""
    with module_world(django_db_blocker, tmp_path_factory):
        campaign = factories.make_campaign()
        reviewer = factories.make_reviewer()
        for index in range(30):
            factories.make_published(
                factories.make_coop(f"Coopérative {index:02d}"),
                campaign,
                reviewer,
                numbers=range(1, 9),
            )
        yield


def test_it_paginates_by_25(client, thirty_published):
    first = client.get(reverse("public:cooperatives"))
    second = client.get(reverse("public:cooperatives"), {"page": 2})

    assert len(listed_slugs(first)) == 25
    assert len(listed_slugs(second)) == 5
    assert set(listed_slugs(first)).isdisjoint(listed_slugs(second))
    assert 'href="?page=2" rel="next"' in first.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()


@pytest.mark.parametrize(
    "page, shown",
    [("abc", 1), ("", 1), ("1.5", 1), ("9999", 2), ("0", 2), ("-3", 2)],
)
def test_it_never_fails_on_a_bad_page_number(client, thirty_published, page, shown):
    response = client.get(reverse("public:cooperatives"), {"page": page})

    assert response.status_code == 200
    assert f'href="?page={shown}" aria-current="page"' in response.content.decode()
    assert len(listed_slugs(response)) == (25 if shown == 1 else 5)
