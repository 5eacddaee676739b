"""Webhook endpoints, and what was sent to each (deliveries and their attempts).

An endpoint belongs to a cooperative (its référents registered it: it hears
that cooperative's events only) or to the federation (no cooperative: it hears
the whole network's).
"""

import secrets
from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import someone
from coops.models import Cooperative

# What an attempt keeps of the receiver's answer or of the error: enough to
# understand a refusal, never a page of someone else's server.
EXCERPT_CHARS = 300


class Event(models.TextChoices):
    SELECTION_VALIDATED = "selection.validated", _("Sélection validée")
    UPDATE_PUBLISHED = "progress_update.published", _("Point d'étape publié")
    VALUES_CHANGED = "values.changed", _("Valeurs modifiées")


def new_secret() -> str:
    return secrets.token_hex(32)


class EndpointQuerySet(models.QuerySet["Endpoint"]):
    def of_owner(self, cooperative: Cooperative | None) -> "EndpointQuerySet":
        """A cooperative's own endpoints, or the federation's (``None``)."""
        if cooperative is None:
            return self.filter(cooperative__isnull=True)
        return self.filter(cooperative=cooperative)

    def hear(self, *events: str) -> bool:
        """Whether any active endpoint, of any cooperative, listens to one of ``events``.

        Asked first, in one query, so that a change nobody listens to costs no
        reading of what it would tell.
        """
        wanted = set(events)
        return any(
            wanted.intersection(heard)
            for heard in self.filter(active=True).values_list("events", flat=True)
        )

    def listening(self, event: str, cooperative_id: int) -> list["Endpoint"]:
        """The active endpoints told of ``event`` of that cooperative: its own and the federation's.

        The events are a short list in a JSON field, read here rather than in
        SQL (SQLite has no JSON containment); endpoints are a handful.
        """
        candidates = self.filter(active=True).filter(
            models.Q(cooperative_id=cooperative_id) | models.Q(cooperative__isnull=True)
        )
        return [endpoint for endpoint in candidates if event in endpoint.events]


class Endpoint(models.Model):
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        verbose_name=_("coopérative"),
    )
    url = models.URLField(_("adresse"), max_length=500)
    events = models.JSONField(_("événements"), default=list)
    active = models.BooleanField(_("actif"), default=True)
    # Kept as is, not hashed: each delivery is signed with it (HMAC-SHA256),
    # which needs the secret itself. It is shown once, at creation, and never
    # again in any page.
    secret = models.CharField(_("secret"), max_length=64, default=new_secret, editable=False)
    created_by = someone(_("créé par"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.url

    def event_labels(self) -> list[str]:
        return [str(Event(code).label) for code in self.events if code in Event.values]


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def older_than(self, moment: datetime) -> "DeliveryQuerySet":
        """Deliveries made before ``moment``: what the purge removes (their attempts with them)."""
        return self.filter(created_at__lt=moment)


class Delivery(models.Model):
    """One event for one endpoint: its JSON body, sent until it is taken or given up."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RETRYING = "retrying", _("Nouvel essai prévu")
        DELIVERED = "delivered", _("Remis")
        FAILED = "failed", _("Abandonné")
        REFUSED = "refused", _("Adresse refusée")

    endpoint = models.ForeignKey(
        Endpoint, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("webhook")
    )
    event = models.CharField(_("événement"), max_length=40, choices=Event.choices)
    payload = models.JSONField(_("contenu"))
    state = models.CharField(_("état"), max_length=12, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("envoi de webhook")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_recent"),
            # The purge of old deliveries reads them by age alone.
            models.Index(fields=["created_at"], name="webhook_delivery_age"),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}"


class Attempt(models.Model):
    """One try of a delivery: when, the answer's status code or the error."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="attempt_set", verbose_name=_("envoi")
    )
    at = models.DateTimeField(_("date"))
    status_code = models.PositiveSmallIntegerField(_("code de réponse"), null=True, blank=True)
    error = models.CharField(_("erreur"), max_length=EXCERPT_CHARS, blank=True)
    response_excerpt = models.CharField(
        _("début de la réponse"), max_length=EXCERPT_CHARS, blank=True
    )

    class Meta:
        verbose_name = _("essai d'envoi")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"
