from datetime import date, datetime

from django.conf import settings
from django.contrib.auth.models import User
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from qualicoop.lib.upload_jobs import UploadJob

from .people import display_name


class Activity(models.TextChoices):
    """What a cooperative does; the same activities make a peer group."""

    RENTAL = "rental", _("Location")
    ACCESSION = "accession", _("Accession sociale")
    BRS = "brs", _("Bail réel solidaire (BRS)")
    CONDOMINIUM = "condominium", _("Syndic et gestion de copropriété")
    DEVELOPMENT = "development", _("Aménagement")


class LegalForm(models.TextChoices):
    SCIC = "scic", _("Société coopérative d'intérêt collectif (SCIC)")
    SCP = "scp", _("Société coopérative de production (SCP)")
    SA_COOP = "sa_coop", _("Société anonyme coopérative d'HLM")
    SACICAP = "sacicap", _("SACICAP")
    OTHER = "other", _("Autre forme")


class Cooperative(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    region = models.CharField(_("région"), max_length=100, blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    description = models.TextField(_("présentation"), max_length=2000, blank=True)
    # The profile's facts, kept by the référents: public, and the peer groups' key.
    homes_managed = models.PositiveIntegerField(_("logements gérés"), null=True, blank=True)
    # Codes of ``Activity``, sorted: equal lists are the same activities.
    activities = models.JSONField(_("activités"), default=list, blank=True)
    legal_form = models.CharField(
        _("forme juridique"), max_length=20, choices=LegalForm.choices, blank=True
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("coopérative")
        verbose_name_plural = _("coopératives")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("public:cooperative", args=[self.slug])

    def activity_labels(self) -> list[str]:
        labels = dict(Activity.choices)
        return [str(labels[code]) for code in self.activities if code in labels]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def current(self, today: date | None = None) -> "MembershipQuerySet":
        """The memberships that open the workspace today: a guest's ends after its last day."""
        return self.exclude(
            role=Membership.Role.GUEST, guest_until__lt=today or timezone.localdate()
        )

    def team(self) -> "MembershipQuerySet":
        """The people who work on the cooperative's Quali'Coop: guests only read it."""
        return self.exclude(role=Membership.Role.GUEST)


class Membership(models.Model):
    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", _("Contributeur")
        REFERENT = "referent", _("Référent")
        # The cooperative's réviseur, a partner: reads the workspace until ``guest_until``.
        GUEST = "guest", _("Invité en lecture seule")

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
    # Set by a référent on the team page: this contributor edits only the
    # projects they carry (``commitments.ownership.may_edit``).
    own_projects_only = models.BooleanField(_("limité à ses projets"), default=False)
    # A guest's last day of access (``MembershipQuerySet.current``); nobody else's ends.
    guest_until = models.DateField(_("accès jusqu'au"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membre")
        verbose_name_plural = _("membres")
        constraints = [
            models.UniqueConstraint(fields=["user", "cooperative"], name="one_membership_per_coop"),
            models.CheckConstraint(
                condition=models.Q(role__in=["contributor", "referent", "guest"]),
                name="membership_role_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(role="guest", guest_until__isnull=False)
                | (~models.Q(role="guest") & models.Q(guest_until__isnull=True)),
                name="membership_guest_has_an_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.cooperative} ({self.get_role_display()})"

    @property
    def may_submit(self) -> bool:
        return self.role == self.Role.REFERENT

    @property
    def is_guest(self) -> bool:
        """A guest reads the workspace and changes nothing (``workspace.access``)."""
        return self.role == self.Role.GUEST


# Said by the database's constraint and by the services alike.
ALREADY_PENDING = _("Une invitation est déjà en attente pour cette adresse : renvoyez-la plutôt.")


class Invitation(models.Model):
    """An e-mailed, single-use link to join a cooperative's team or the federation's reviewers.

    Only a hash of the link's token is stored: the database alone opens no
    door. Sending it again gives a new token and a new expiry, so that the
    older link is dead.
    """

    class Role(models.TextChoices):
        CONTRIBUTOR = "contributor", _("Contributeur")
        REFERENT = "referent", _("Référent")
        REVIEWER = "reviewer", _("Relecteur de la fédération")
        GUEST = "guest", _("Invité en lecture seule")

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        EXPIRED = "expired", _("Expirée")
        ACCEPTED = "accepted", _("Acceptée")
        REVOKED = "revoked", _("Révoquée")

    # Empty for a reviewer's invitation: the federation is no cooperative.
    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
        verbose_name=_("coopérative"),
    )
    # Kept in lower case, as typed addresses are compared.
    email = models.EmailField(_("adresse e-mail"))
    role = models.CharField(_("rôle"), max_length=20, choices=Role.choices)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invité par"),
    )
    token_hash = models.CharField(
        _("empreinte du lien"), max_length=64, unique=True, editable=False
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    sent_at = models.DateTimeField(_("envoyée le"), default=timezone.now)
    expires_at = models.DateTimeField(_("expire le"))
    accepted_at = models.DateTimeField(_("acceptée le"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acceptée par"),
    )
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)
    # A guest's last day of access, chosen when inviting; carried to the membership.
    guest_until = models.DateField(_("accès jusqu'au"), null=True, blank=True)
    # The invitee asked for a new link from a dead one: asked once, until it is sent again.
    renewal_requested_at = models.DateTimeField(
        _("nouvelle invitation demandée le"), null=True, blank=True
    )

    class Meta:
        ordering = ["-sent_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(role="reviewer", cooperative__isnull=True)
                    | models.Q(
                        role__in=["contributor", "referent", "guest"], cooperative__isnull=False
                    )
                ),
                name="invitation_role_fits_its_place",
                violation_error_message=_(
                    "Un relecteur est invité sans coopérative ; un contributeur, un référent ou "
                    "un invité, pour une coopérative."
                ),
            ),
            models.CheckConstraint(
                condition=models.Q(role="guest", guest_until__isnull=False)
                | (~models.Q(role="guest") & models.Q(guest_until__isnull=True)),
                name="invitation_guest_has_an_end",
            ),
            # One open invitation per person and place: inviting again is sending again.
            models.UniqueConstraint(
                fields=["cooperative", "email"],
                condition=models.Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="one_open_invitation_per_coop",
                violation_error_message=ALREADY_PENDING,
            ),
            models.UniqueConstraint(
                fields=["email"],
                condition=models.Q(
                    cooperative__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True
                ),
                name="one_open_reviewer_invitation",
                violation_error_message=ALREADY_PENDING,
            ),
        ]

    def __str__(self) -> str:
        place = self.cooperative.name if self.cooperative is not None else _("la fédération")
        return f"{self.email} → {place} ({self.get_role_display()})"

    def state(self, now: datetime | None = None) -> "Invitation.State":
        if self.revoked_at is not None:
            return self.State.REVOKED
        if self.accepted_at is not None:
            return self.State.ACCEPTED
        if self.expires_at <= (now or timezone.now()):
            return self.State.EXPIRED
        return self.State.PENDING

    @property
    def is_open(self) -> bool:
        """Neither accepted nor revoked: it can still be sent again."""
        return self.accepted_at is None and self.revoked_at is None


class TeamEvent(models.Model):
    """One change of a team, as it happened: who did what, to whom, when.

    Written by the services of ``coops.team`` and ``coops.invitations`` only.
    People are referred to, not copied: an erased account reads "ancien membre"
    here as everywhere (``coops.people``). An invitation's event names the
    address invited, the only thing known of someone without an account yet.
    The federation's reviewers are a team too: their events have no cooperative.
    """

    class Kind(models.TextChoices):
        INVITED = "invited", _("Invitation envoyée")
        RESENT = "resent", _("Invitation renvoyée")
        REVOKED = "revoked", _("Invitation révoquée")
        JOINED = "joined", _("Arrivée dans l'équipe")
        ADDED = "added", _("Ajout à l'équipe")
        ROLE_CHANGED = "role_changed", _("Rôle modifié")
        REMOVED = "removed", _("Retrait de l'équipe")
        LIMITED = "limited", _("Limité à ses projets")
        UNLIMITED = "unlimited", _("Limitation aux projets levée")

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="team_events",
        verbose_name=_("coopérative"),
    )
    kind = models.CharField(_("changement"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne concernée"),
    )
    email = models.EmailField(_("adresse invitée"), blank=True)
    role = models.CharField(_("rôle"), max_length=20, choices=Invitation.Role.choices, blank=True)
    previous_role = models.CharField(
        _("rôle précédent"), max_length=20, choices=Invitation.Role.choices, blank=True
    )
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("changement d'équipe")
        verbose_name_plural = _("changements d'équipe")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} : {self._named(self.member) or self.email}"

    @staticmethod
    def _named(user: User | None) -> str:
        return display_name(user) if user is not None else ""

    def sentence(self) -> str:
        """The event in one French sentence, for the team page and the admin."""
        gone = _("un compte supprimé")
        values = {
            "actor": capfirst(self._named(self.actor) or gone),
            "subject": self._named(self.member) or self.email or gone,
            "role": self.get_role_display().lower(),
            "previous": self.get_previous_role_display().lower(),
        }
        return str(_EVENT_SENTENCES[TeamEvent.Kind(self.kind)]) % values


_EVENT_SENTENCES = {
    TeamEvent.Kind.INVITED: _("%(actor)s a invité %(subject)s comme %(role)s."),
    TeamEvent.Kind.RESENT: _("%(actor)s a renvoyé l'invitation à %(subject)s."),
    TeamEvent.Kind.REVOKED: _("%(actor)s a révoqué l'invitation envoyée à %(subject)s."),
    TeamEvent.Kind.JOINED: _("%(subject)s a rejoint l'équipe comme %(role)s."),
    TeamEvent.Kind.ADDED: _("%(actor)s a ajouté %(subject)s à l'équipe comme %(role)s."),
    TeamEvent.Kind.ROLE_CHANGED: _(
        "%(actor)s a fait passer %(subject)s de %(previous)s à %(role)s."
    ),
    TeamEvent.Kind.REMOVED: _("%(actor)s a retiré %(subject)s de l'équipe."),
    TeamEvent.Kind.LIMITED: _("%(actor)s a limité %(subject)s aux projets qu'il ou elle porte."),
    TeamEvent.Kind.UNLIMITED: _(
        "%(actor)s a permis à %(subject)s de modifier tous les projets de la coopérative."
    ),
}


class CooperativeImport(UploadJob):
    """A file of cooperatives sent by a federation administrator, read then applied by the worker.

    The dry run is applied by the one who sent it (``coops.import_jobs``).
    """

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import de coopératives")
        verbose_name_plural = _("imports de coopératives")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["reading", "read", "applying", "applied", "failed"]),
                name="cooperative_import_state_valid",
            ),
        ]


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def of(self, cooperative: Cooperative) -> "ApiKeyQuerySet":
        """A cooperative's keys, newest first, with who created them (the list's rows)."""
        return self.filter(cooperative=cooperative).select_related("created_by").order_by("-pk")


class ApiKey(models.Model):
    """A key a référent gives a partner's tool: the cooperative's API, within its scopes.

    Only the secret's hash is kept (``coops.api_keys``): the key is shown once.
    """

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("coopérative"),
    )
    name = models.CharField(_("nom"), max_length=100)
    # The key's first part, shown in lists and used to find its row.
    prefix = models.CharField(_("préfixe"), max_length=16, unique=True)
    secret_hash = models.CharField(_("empreinte du secret"), max_length=64)
    may_read = models.BooleanField(_("lire"), default=False)
    may_write = models.BooleanField(_("écrire les valeurs"), default=False)
    # The writes are recorded in the history as made by the one who created the key.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("créée par"),
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    expires_on = models.DateField(_("expire le"))
    last_used_at = models.DateTimeField(_("dernière utilisation"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("révoquée le"), null=True, blank=True)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("clé d'API")
        verbose_name_plural = _("clés d'API")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(may_read=True) | models.Q(may_write=True),
                name="api_key_has_a_scope",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    # Each scope's field and how people call it.
    SCOPES = {"may_read": _("lire"), "may_write": _("écrire les valeurs")}

    def scope_labels(self) -> list[str]:
        return [str(label) for name, label in self.SCOPES.items() if getattr(self, name)]

    def is_usable(self, today) -> bool:
        return self.revoked_at is None and today <= self.expires_on


class GuestVisitQuerySet(models.QuerySet["GuestVisit"]):
    def of(self, cooperative: Cooperative) -> "GuestVisitQuerySet":
        """A cooperative's guests' visits, newest first, with who made them (the log's rows)."""
        return self.filter(cooperative=cooperative).select_related("user").order_by("-at", "-pk")


class GuestVisit(models.Model):
    """One page a guest opened in a cooperative's workspace: who, when, which page.

    Written by ``coops.guests.record_visit`` for every page a guest is let
    into; the référents read the log on the team page.
    """

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="guest_visits",
        verbose_name=_("coopérative"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("invité"),
    )
    at = models.DateTimeField(_("date"), default=timezone.now)
    # The page's name in the URLconf and its address: which object was read.
    page = models.CharField(_("page"), max_length=100)
    path = models.CharField(_("adresse"), max_length=500)

    objects = GuestVisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultation d'un invité")
        verbose_name_plural = _("consultations des invités")
        indexes = [models.Index(fields=["cooperative", "-at"], name="guest_visit_recent")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.path}"
