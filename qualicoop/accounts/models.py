"""What the accounts pages keep beside Django's users."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from qualicoop.lib.notify import Kind


class AccountNotice(models.Model):
    """The warning sent to an unused account before it is erased (qualicoop.accounts.retention).

    One per absence: it is dropped when the person signs in again, so that the
    next long absence is warned about too.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="inactivity_notice",
        verbose_name=_("compte"),
    )
    warned_at = models.DateTimeField(_("prévenu le"))

    class Meta:
        verbose_name = _("avertissement d'inactivité")
        verbose_name_plural = _("avertissements d'inactivité")

    def __str__(self) -> str:
        return f"{self.user} — {self.warned_at:%Y-%m-%d}"


class Delivery(models.TextChoices):
    """How one kind of notification reaches a person."""

    IMMEDIATE = "immediate", _("Immédiatement")
    DAILY = "daily", _("Résumé quotidien")
    WEEKLY = "weekly", _("Résumé hebdomadaire")
    PORTAL = "portal", _("Sur le portail seulement")


class NotificationSetting(models.Model):
    """A person's choice for one kind of notification; without one, their role's default."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_settings",
        verbose_name=_("personne"),
    )
    kind = models.CharField(_("sorte"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("envoi"), max_length=20, choices=Delivery.choices)

    class Meta:
        verbose_name = _("réglage des notifications")
        verbose_name_plural = _("réglages des notifications")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="one_setting_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.kind}: {self.delivery}"


class QueuedEmail(models.Model):
    """A notification waiting for its e-mail: merged after a short delay, or in a digest.

    Written with the notification, in the same transaction. ``sent_at`` is set in
    the transaction that holds the row while its e-mail is handed to the mail
    backend (``qualicoop.accounts.delivery``): a worker stopped in between leaves
    it unsent, to be sent once by the next run; a row sent is never sent again.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="queued_emails",
        verbose_name=_("destinataire"),
    )
    notification = models.ForeignKey(
        "commitments.Notification",
        on_delete=models.CASCADE,
        related_name="queued_emails",
        verbose_name=_("notification"),
    )
    kind = models.CharField(_("sorte"), max_length=20, choices=Kind.choices)
    delivery = models.CharField(_("envoi"), max_length=20, choices=Delivery.choices)
    group = models.CharField(_("groupe"), max_length=100)
    subject = models.CharField(_("objet"), max_length=300)
    body = models.TextField(_("message"))
    actor = models.CharField(_("auteur"), max_length=200, blank=True)
    detail = models.TextField(_("détail"), blank=True)
    link = models.CharField(_("lien"), max_length=600, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("courriel en attente")
        verbose_name_plural = _("courriels en attente")
        indexes = [models.Index(fields=["delivery", "sent_at", "user"])]

    def __str__(self) -> str:
        return self.subject
