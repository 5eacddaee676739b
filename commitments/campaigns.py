"""Campaigns that the demo and the synthetic data need, made on demand."""

import datetime

from django.utils import timezone

from .models import Campaign


def open_campaign() -> Campaign:
    """The campaign open today, or a new one opened for the demo."""
    today = timezone.localdate()
    campaign = Campaign.objects.filter(opens_on__lte=today, closes_on__gte=today).first()
    if campaign:
        return campaign
    closes = today + datetime.timedelta(days=120)
    return Campaign.objects.create(
        name=f"Quali'Coop {closes.year}",
        slug=f"qualicoop-{closes.year}",
        opens_on=today - datetime.timedelta(days=14),
        closes_on=closes,
        min_engagements=8,
    )
