"""Each open-data dataset is written in a constant number of queries, whatever the data size.

The published worlds (1 cooperative, then 10) are built once for the module
and read by every dataset's test (tests/module_world.py).
"""

import datetime

import pytest

from commitments.models import Project
from qualicoop.public import opendata
from tests import factories
from tests.module_world import module_world
from tests.opendata_support import make_indicator, post_update
from tests.views.test_discovery_opendata import dataset_url, read_json

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", params=[1, 10], ids=["1", "10"])
def size(request, django_db_setup, django_db_blocker, tmp_path_factory):
    """``size`` cooperatives with published selections, every project measured and updated."""
    size = request.param
    with module_world(django_db_blocker, tmp_path_factory):
        reviewer = factories.make_reviewer()
        campaign = factories.make_campaign()
        for index in range(size):
            published = factories.make_published(
                factories.make_coop(f"Coop {index}"), campaign, reviewer, numbers=range(1, 9)
            )
            for project in Project.objects.filter(choice__selection=published):
                indicator = make_indicator(project, values=[(datetime.date(2025, 3, 1), "30")])
                post_update(
                    project,
                    values=[(indicator, "40", datetime.date(2025, 4, 1))],
                    reviewer=reviewer,
                )
        yield size


# The network's totals have a row per group, not per project: measured on
# their own network (tests/unit/test_network_opendata.py).
@pytest.mark.parametrize(
    "slug", [slug for slug in opendata.DATASETS if slug != "reseau-en-chiffres"]
)
def test_each_dataset_is_written_in_a_constant_number_of_queries(
    client, django_assert_max_num_queries, slug, size
):
    with django_assert_max_num_queries(2):
        response = client.get(dataset_url("opendata_dataset_json", slug))

    assert len(read_json(response)) >= size * 2
