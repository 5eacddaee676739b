from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Cooperative(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    region = models.CharField(_("région"), max_length=100, blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    description = models.TextField(_("présentation"), max_length=2000, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("coopérative")
        verbose_name_plural = _("coopératives")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:cooperative", args=[self.slug])


class Membership(models.Model):
    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", _("Contributeur")
        REFERENT = "referent", _("Référent")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("utilisateur"),
    )
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("coopérative"),
    )
    role = models.CharField(
        _("rôle"), max_length=20, choices=Role.choices, default=Role.CONTRIBUTOR
    )

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="one_membership_per_coop"),
            models.CheckConstraint(
                condition=models.Q(role__in=["contributor", "referent"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.cooperative} ({self.get_role_display()})"

    @property
    def may_submit(self) -> bool:
        return self.role == self.Role.REFERENT
