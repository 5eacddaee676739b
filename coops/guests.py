"""Guests: people who read a cooperative's workspace for a while and change nothing.

A référent invites a guest — the cooperative's réviseur, a partner — through
the team's invitations (``coops.invitations``), with a last day of access,
at most ``GUEST_MAX_DAYS`` ahead. The guest's membership opens the workspace
until that day (``Membership.objects.current``); afterwards the guest is a
stranger to the cooperative, as anyone else. Which pages a guest may read is
the workspace's access layer's (``qualicoop.workspace.access``); every page
read is recorded here.
"""

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import GuestVisit, Membership

# Long enough for a yearly revision; a longer access is invited again.
GUEST_MAX_DAYS = 365


class GuestError(Exception):
    """A guest's access the rules refuse; the message says why, in French."""


def check_end(until: datetime.date, today: datetime.date | None = None) -> None:
    """A guest's last day: from today, and no later than ``GUEST_MAX_DAYS`` ahead."""
    today = today or timezone.localdate()
    if until < today:
        raise GuestError(_("Choisissez une date de fin à partir d'aujourd'hui."))
    if until > today + datetime.timedelta(days=GUEST_MAX_DAYS):
        raise GuestError(
            _("L'accès d'un invité dure au plus %(days)s jours : choisissez une date plus proche.")
            % {"days": GUEST_MAX_DAYS}
        )


def record_visit(membership: Membership, *, page: str, path: str) -> GuestVisit:
    """One page a guest was let into, for the référents' log."""
    return GuestVisit.objects.create(
        cooperative_id=membership.cooperative_id,
        user_id=membership.user_id,
        page=page[: GuestVisit._meta.get_field("page").max_length],
        path=path[: GuestVisit._meta.get_field("path").max_length],
    )
