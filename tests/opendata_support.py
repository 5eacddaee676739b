"""Progress data for the open-data tests: indicators, values and updates, through the real moves.

Updates are published by ``commitments.progress`` (sent, then published by a
reviewer), as staff and reviewers do; the files go to the test's own file store.
"""

import datetime
from decimal import Decimal

from tests import factories


def make_indicator(
    project, *, name="Logements livrés", baseline=0, target=120, values=(), catalogue=None
):
    """An indicator of ``project`` with values given with the selection: (date, value)."""
    indicator = factories.make_indicator(
        project,
        name=name,
        target=target,
        catalogue=catalogue,
        baseline_value=baseline,
        baseline_date=datetime.date(2025, 1, 1) if baseline is not None else None,
        target_date=datetime.date(2027, 12, 31),
    )
    for measured_on, value in values:
        factories.make_measurement(indicator, Decimal(value), measured_on, comment="Bilan")
    return indicator


def post_update(project, *, reviewer=None, submit=True, **fields):
    """An update on ``project``: a draft, sent, or (with ``reviewer``) published.

    ``values``: (indicator, value, date) measured with the update; the other
    fields as ``factories.make_progress_update`` takes them.
    """
    return factories.make_progress_update(project, reviewer=reviewer, submit=submit, **fields)
