"""The reference data is in every test database from the start (tests/conftest.py).

Loaded once per database by django_db_setup; a transactional test empties the
tables as it ends, and the reference data is written back after it, so that
the next test, transactional or not, finds it again.
"""

import pytest

from commitments.models import Engagement, Pillar


def _the_reference_data():
    return (
        list(Pillar.objects.order_by("number").values_list("number", flat=True)),
        list(Engagement.objects.order_by("number").values_list("number", flat=True)),
    )


@pytest.mark.django_db
def test_a_test_finds_the_pillars_and_the_12_engagements():
    assert _the_reference_data() == ([1, 2, 3], list(range(1, 13)))


@pytest.mark.django_db
def test_a_test_that_wants_an_empty_world_has_one(no_reference_data):
    assert _the_reference_data() == ([], [])


# Twice: the second runs after the first one's flush.
@pytest.mark.parametrize("run", ["first", "second"])
@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_finds_it_too_even_after_another_ones_flush(run):
    assert _the_reference_data() == ([1, 2, 3], list(range(1, 13)))
    Engagement.objects.filter(number=12).delete()
