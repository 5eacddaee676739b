"""What the portal tells a person, handed to whoever delivers it.

The domain decides who is told what (``commitments.notifications``,
``coops.team``): it renders each message and hands it here as an ``Item``.
How it reaches the person — the in-portal notification always, an e-mail at
once, merged after a short delay, or in a daily or weekly digest, as they chose
— is decided by the accounts, which listen to ``people_notified``
(``qualicoop.accounts.delivery``). The domain imports no audience: this signal
is the one way between them, and nobody listening is an error, not a silence.
"""

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _

from .absolute_urls import absolute_url
from .mail import render_message

# Every subject starts with it, so that the mail stands out in an inbox; in the
# portal's own list, a merged e-mail or a digest it would only repeat the site's name.
SUBJECT_PREFIX = "[Quali'Coop] "


class Kind(models.TextChoices):
    """What a notification is about; each person chooses, per kind, how it reaches them."""

    DECISIONS = "decisions", _("Décisions de relecture")
    REMARKS = "remarks", _("Remarques de la fédération")
    TO_REVIEW = "to_review", _("Envois à relire")
    REMINDERS = "reminders", _("Rappels")
    TEAM = "team", _("Changements de l'équipe")


@dataclass(frozen=True)
class Item:
    """One message for one person, rendered in French.

    ``subject`` and ``body`` make the e-mail when it leaves alone; ``text`` (the
    subject without the site's prefix), ``actor`` (who did it), ``detail`` (a
    remark, a message) and ``link`` (absolute) make its entry in a merged e-mail
    or a digest. ``path`` is the page its in-portal notification opens. Items of
    one ``group`` (the same selection, the same cooperative) are merged.
    """

    user: Any
    kind: str
    subject: str
    body: str
    text: str
    group: str
    path: str = ""
    link: str = ""
    actor: str = ""
    detail: str = ""

    @classmethod
    def rendered(
        cls,
        template: str,
        context: dict[str, Any],
        *,
        user: Any,
        kind: str,
        group: str,
        path: str = "",
        actor: str = "",
        detail: str = "",
    ) -> "Item":
        """``emails/<template>`` rendered for ``user`` (the context's ``recipient``)."""
        subject, body = render_message(template, {**context, "recipient": user})
        return cls(
            user=user,
            kind=kind,
            subject=subject,
            body=body,
            text=subject.removeprefix(SUBJECT_PREFIX),
            group=group,
            path=path,
            link=absolute_url(path) if path else "",
            actor=actor,
            detail=detail,
        )


people_notified = Signal()


def notify(items: list[Item]) -> int:
    """Hand ``items`` to their delivery, in the caller's transaction; the number handed."""
    if not items:
        return 0
    if not people_notified.has_listeners():
        raise RuntimeError("No delivery listens to people_notified: the messages would be lost.")
    people_notified.send(sender=Item, items=items)
    return len(items)
