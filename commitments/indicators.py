"""Indicators as a reader reads them: in French numbers, one sentence each.

The same sentence is frozen in a submission's snapshot, so that the review's
diff shows what changed in an indicator like any other text of the project.
"""

from decimal import Decimal

from django.utils import formats
from django.utils.translation import gettext as _

from qualicoop.lib import french

from .models import Indicator


def number(value: Decimal | None) -> str:
    """``1250.50`` as "1 250,5": French grouping, no useless zeros."""
    if value is None:
        return ""
    normalised = value.quantize(Decimal(1)) if value == value.to_integral() else value.normalize()
    return formats.number_format(normalised, use_l10n=True, force_grouping=True)


def _with_unit(value: Decimal | None, unit: str) -> str:
    return f"{number(value)} {unit}".strip()


def describe(indicator: Indicator) -> str:
    """E.g. "Logements livrés : de 0 (1 janvier 2025) à 120 logements (31 décembre 2027)"."""
    start = ""
    if indicator.baseline_value is not None:
        start = _("de %(value)s") % {"value": _with_unit(indicator.baseline_value, indicator.unit)}
        if indicator.baseline_date:
            start += f" ({french.long_date(indicator.baseline_date)})"
        start += " "
    target = _("à %(value)s") % {"value": _with_unit(indicator.target_value, indicator.unit)}
    if indicator.target_date:
        target += f" ({french.long_date(indicator.target_date)})"
    return f"{indicator.name} : {start}{target}"


def describe_all(indicators: list[Indicator]) -> str:
    return "\n".join(describe(indicator) for indicator in indicators)
