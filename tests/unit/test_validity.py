"""A validated selection holds for its campaign's validity (commitments.workflow.valid_until)."""

import datetime

import pytest
from django.utils import timezone

from commitments import workflow
from tests import factories

pytestmark = pytest.mark.django_db


def test_a_validation_holds_for_the_campaigns_years(reference, campaign, coop_a, reviewer):
    campaign.validity_years = 4
    campaign.save()

    selection = factories.make_published(coop_a, campaign, reviewer)

    today = timezone.localdate()
    assert selection.valid_until == today.replace(year=today.year + 4)


@pytest.mark.parametrize(
    ("decided", "years", "until"),
    [
        (datetime.date(2027, 3, 31), 3, datetime.date(2030, 3, 31)),
        (datetime.date(2028, 2, 29), 3, datetime.date(2031, 2, 28)),
        (datetime.date(2028, 2, 29), 4, datetime.date(2032, 2, 29)),
    ],
)
def test_the_last_day_falls_on_the_same_date_years_later(decided, years, until):
    assert workflow.valid_until(decided, years) == until
