"""What the accounts pages keep beside Django's users."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
