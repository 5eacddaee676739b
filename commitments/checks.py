"""Checks for reviewers: measured values worth a second look. They inform, never block.

* a jump: more than ``JUMP`` times (or less than a ``JUMP``th of) the previous value;
* a target already reached at the baseline (``indicator_flags``);
* a value outside its catalogue indicator's plausible range (in the catalogue's
  unit, after a mapping's conversion factor);
* a value dated in the future, or, given with a progress update, in another
  calendar year than the update (the catalogue's reporting period is the
  calendar year).
"""

import datetime
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .indicators import number
from .models import Direction, Indicator, Measurement

JUMP = 3


def indicator_flags(indicator: Indicator) -> list[str]:
    """A target the baseline already meets: in the catalogue's direction when linked.

    A free indicator has no direction but the one from its baseline to its
    target, so only a target equal to the baseline is reached from the start.
    """
    start, target = indicator.baseline_value, indicator.target_value
    if start is None:
        return []
    common = indicator.catalogue
    if common is None:
        reached = start == target
    elif common.direction == Direction.HIGHER:
        reached = start >= target
    else:
        reached = start <= target
    return [_("Cible déjà atteinte à la valeur de départ.")] if reached else []


def measurement_flags(
    measurement: Measurement,
    *,
    previous: Measurement | None,
    update_day: datetime.date | None = None,
    today: datetime.date | None = None,
) -> list[str]:
    """What may be wrong with ``measurement``; its indicator (and catalogue) already loaded.

    ``update_day`` is the date of the progress update that gives the value, if any.
    """
    today = today or timezone.localdate()
    flags = []
    value = measurement.value
    if previous is not None and previous.value and value:
        ratio = abs(value / previous.value)
        if ratio > JUMP or ratio < Decimal(1) / JUMP:
            flags.append(
                _("Écart de plus de ×%(jump)s avec la valeur précédente (%(previous)s).")
                % {"jump": JUMP, "previous": number(previous.value)}
            )
    indicator = measurement.indicator
    common = indicator.catalogue
    if common is not None:
        counted = value * indicator.catalogue_factor
        low, high = common.plausible_min, common.plausible_max
        if (low is not None and counted < low) or (high is not None and counted > high):
            flags.append(
                _("Valeur hors de la plage plausible du catalogue (%(low)s à %(high)s).")
                % {
                    "low": number(low) if low is not None else "…",
                    "high": number(high) if high is not None else "…",
                }
            )
    if measurement.measured_on > today:
        flags.append(_("Valeur datée dans le futur."))
    elif update_day is not None and measurement.measured_on.year != update_day.year:
        flags.append(_("Valeur datée d'une autre année que le point d'étape."))
    return flags


def flags_of(
    measurements: Iterable[Measurement], *, today: datetime.date | None = None
) -> dict[int, list[str]]:
    """Each of ``measurements``' flags, by its pk, the previous values read in one query.

    The previous value is the indicator's latest one dated before it, whichever
    update gave it.
    """
    measurements = list(measurements)
    history: dict[int, list[Measurement]] = defaultdict(list)
    for earlier in Measurement.objects.filter(
        indicator__in={m.indicator_id for m in measurements}
    ).order_by("measured_on", "pk"):
        history[earlier.indicator_id].append(earlier)
    flags = {}
    for measurement in measurements:
        before = [
            m
            for m in history[measurement.indicator_id]
            if m.measured_on < measurement.measured_on and m.pk != measurement.pk
        ]
        flags[measurement.pk] = [
            *indicator_flags(measurement.indicator),
            *measurement_flags(
                measurement,
                previous=before[-1] if before else None,
                update_day=measurement.update.happened_on if measurement.update else None,
                today=today,
            ),
        ]
    return flags


def review_flags(indicator: Indicator, *, today: datetime.date | None = None) -> list[str]:
    """An indicator's flags in a selection's review: its start, and its latest value.

    Reads the indicator's prefetched values (oldest first) and catalogue: no query.
    """
    values = list(indicator.measurements.all())
    flags = indicator_flags(indicator)
    if values:
        flags += measurement_flags(
            values[-1], previous=values[-2] if len(values) > 1 else None, today=today
        )
    return flags
