"""Progress data for the open-data tests: indicators, values and updates, through the real moves.

Updates are published by ``commitments.progress`` (sent, then published by a
reviewer), as staff and reviewers do; the files go to the test's own file store.
"""

import datetime
from decimal import Decimal

from commitments import progress
from commitments.models import Indicator, Measurement, ProjectStatus


def make_indicator(
    project, *, name="Logements livrés", baseline=0, target=120, values=(), catalogue=None
):
    """An indicator of ``project`` with values given with the selection: (date, value)."""
    indicator = Indicator.objects.create(
        project=project,
        catalogue=catalogue,
        name=name,
        unit="logements",
        baseline_value=baseline,
        baseline_date=datetime.date(2025, 1, 1) if baseline is not None else None,
        target_value=target,
        target_date=datetime.date(2027, 12, 31),
    )
    for measured_on, value in values:
        Measurement.objects.create(
            indicator=indicator, value=Decimal(value), measured_on=measured_on, comment="Bilan"
        )
    return indicator


def post_update(
    project,
    *,
    text="Le chantier a commencé.",
    status=ProjectStatus.IN_PROGRESS,
    reason="",
    happened_on=datetime.date(2025, 6, 30),
    values=(),
    reviewer=None,
    submit=True,
):
    """An update on ``project``: a draft, sent, or (with ``reviewer``) published.

    ``values``: (indicator, value, date) measured with the update.
    """
    update = progress.create_update(
        project=project,
        data={"status": status, "reason": reason, "text": text, "happened_on": happened_on},
        values=[
            progress.Value(indicator=indicator, value=Decimal(value), measured_on=measured_on)
            for indicator, value, measured_on in values
        ],
        by=None,
        submit=submit,
    )
    if reviewer is not None:
        update = progress.publish_update(update=update, by=reviewer)
    return update
