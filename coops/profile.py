"""A cooperative's profile facts, kept by its référents: size, activities, legal form."""

from collections.abc import Iterable

from django import forms
from django.db import transaction

from .models import Activity, Cooperative


def normalised_activities(codes: Iterable[str]) -> list[str]:
    """Known codes once each, in ``Activity``'s order: equal sets give equal lists."""
    order = list(Activity.values)
    return sorted({code for code in codes if code in order}, key=order.index)


class ActivitiesField(forms.MultipleChoiceField):
    """The activities as boxes to tick, cleaned into the stored, normalised list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        super().__init__(choices=Activity.choices, **kwargs)

    def clean(self, value):
        return normalised_activities(super().clean(value))


def update_profile(
    cooperative: Cooperative,
    *,
    homes_managed: int | None,
    activities: Iterable[str],
    legal_form: str,
) -> Cooperative:
    """Save the facts, the activities normalised."""
    cooperative.homes_managed = homes_managed
    cooperative.activities = normalised_activities(activities)
    cooperative.legal_form = legal_form
    with transaction.atomic():
        cooperative.save(update_fields=["homes_managed", "activities", "legal_form"])
    return cooperative
