"""The Quali'Coop domain: pillars, engagements, campaigns and selections.

A cooperative's *selection* for a campaign is the set of engagements it chose
(``Choice``) and the projects it describes under each (``Project``). Its status
moves only through ``commitments.workflow``; every move leaves a ``Transition``.
"""

import datetime
import uuid
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Coalesce, Length
from django.db.models.lookups import LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from simple_history.models import HistoricalRecords

from coops.models import Cooperative
from qualicoop.lib.upload_jobs import UploadJob

TITLE_MAX = 200
TEXT_MAX = 5000


def someone(verbose_name: StrOrPromise) -> models.ForeignKey:
    """The person who did something: kept as "ancien membre" if their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=verbose_name,
    )


def published(path: str = "") -> models.Q:
    """The public sees published selections and nothing else.

    The one place this condition is written: ``path`` leads from the model
    being filtered to its selection ("" on a selection, "choice__selection"
    on a project), so that every public page, the search, the statistics, the
    open data and the API ask the same question.
    """
    return models.Q(**{f"{path}__is_published" if path else "is_published": True})


def published_cooperatives() -> models.QuerySet[Cooperative]:
    """The cooperatives the public may see: those with a published selection.

    Annotations added after this filter count only the published selection's
    rows (one per cooperative, a database constraint).
    """
    return Cooperative.objects.filter(published("selections"))


class Pillar(models.Model):
    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    name = models.CharField(_("nom"), max_length=200)
    tagline = models.CharField(_("devise"), max_length=300)

    class Meta:
        ordering = ["number"]
        verbose_name = _("pilier")
        verbose_name_plural = _("piliers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=3), name="pillar_number_1_3"
            ),
        ]

    def __str__(self) -> str:
        return _("Pilier %(number)s : %(name)s") % {"number": self.number, "name": self.name}


class EngagementQuerySet(models.QuerySet["Engagement"]):
    def with_published_counts(self) -> "EngagementQuerySet":
        """Each engagement with ``cooperative_count`` and ``project_count``, published only.

        One published selection per cooperative (a database constraint), so the
        distinct published selections that chose an engagement are its cooperatives.
        """
        through = "choices__selection"
        return self.annotate(
            cooperative_count=models.Count(through, filter=published(through), distinct=True),
            project_count=models.Count(
                "choices__projects", filter=published(through), distinct=True
            ),
        )


class Engagement(models.Model):
    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    pillar = models.ForeignKey(
        Pillar, on_delete=models.PROTECT, related_name="engagements", verbose_name=_("pilier")
    )
    title = models.CharField(_("intitulé"), max_length=300)
    description = models.TextField(_("description"), max_length=TEXT_MAX)

    objects = EngagementQuerySet.as_manager()

    class Meta:
        ordering = ["number"]
        verbose_name = _("engagement")
        verbose_name_plural = _("engagements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(number__gte=1, number__lte=12), name="engagement_number_1_12"
            ),
        ]

    def __str__(self) -> str:
        return _("Engagement %(number)s : %(title)s") % {"number": self.number, "title": self.title}

    def get_absolute_url(self) -> str:
        return reverse("public:engagement", args=[self.number])


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def current(self, today: datetime.date | None = None) -> "Campaign | None":
        """The campaign staff work on: the latest one already opened.

        After its closing date it stays current (read-only for submission)
        until the federation opens the next one.
        """
        today = today or timezone.localdate()
        return self.filter(opens_on__lte=today).order_by("-opens_on", "-pk").first()


class Campaign(models.Model):
    name = models.CharField(_("nom"), max_length=200, unique=True)
    slug = models.SlugField(_("identifiant d'URL"), max_length=200, unique=True)
    opens_on = models.DateField(_("date d'ouverture"))
    closes_on = models.DateField(_("date de clôture"))
    min_engagements = models.PositiveSmallIntegerField(
        _("nombre minimum d'engagements"),
        default=8,
        help_text=_("Nombre d'engagements qu'une coopérative doit choisir, entre 1 et 12."),
    )
    # The federation decides whether cooperatives' progress updates are read
    # before they are public; either way a draft never is.
    publish_updates_directly = models.BooleanField(
        _("publier les points d'étape sans relecture"),
        default=False,
        help_text=_(
            "Les points d'étape envoyés par les coopératives sont publiés aussitôt, "
            "sans passer par la relecture de la fédération."
        ),
    )

    # The cycle: how long a validated selection holds, and when it is due for renewal.
    validity_years = models.PositiveSmallIntegerField(
        _("durée de validité (années)"),
        default=3,
        help_text=_("Durée pendant laquelle une sélection validée engage la coopérative."),
    )
    renewal_months = models.PositiveSmallIntegerField(
        _("préavis de renouvellement (mois)"),
        default=6,
        help_text=_("Une coopérative est « à renouveler » pendant ces derniers mois."),
    )
    # What one selection may hold: its documents are laid out from it, and
    # its spreadsheet read back, so it stays within what both can carry.
    max_projects_per_engagement = models.PositiveSmallIntegerField(
        _("projets au plus par engagement"),
        default=15,
        validators=[MinValueValidator(1)],
        help_text=_("Nombre de projets qu'une coopérative peut décrire sous un même engagement."),
    )
    max_projects_per_selection = models.PositiveSmallIntegerField(
        _("projets au plus par sélection"),
        default=80,
        validators=[MinValueValidator(1)],
        help_text=_("Nombre de projets qu'une sélection peut compter, tous engagements confondus."),
    )

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = _("campagne")
        verbose_name_plural = _("campagnes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(min_engagements__gte=1, min_engagements__lte=12),
                name="campaign_min_engagements_1_12",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_on__gte=models.F("opens_on")),
                name="campaign_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=models.Q(validity_years__gte=1, validity_years__lte=10),
                name="campaign_validity_1_10_years",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def branded_name(self) -> str:
        """The name with the brand once: "Quali'Coop 2024", not "Quali'Coop Quali'Coop 2024"."""
        return self.name if "quali'coop" in self.name.lower() else f"Quali'Coop {self.name}"

    def is_open(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.closes_on


class Status(models.TextChoices):
    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("Soumise")
    CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
    VALIDATED = "validated", _("Validée")


# Staff may edit only in these states.
EDITABLE_STATUSES = (Status.DRAFT, Status.CHANGES_REQUESTED)


def may_be_reminded(campaign: "Campaign") -> models.Q:
    """For a cooperative row: its work for ``campaign`` is not in the federation's hands.

    That is: a selection in draft or changes requested, or no selection at all.
    The deadline reminders and the dashboard's reminder button both ask this.
    """
    in_campaign = Selection.objects.filter(cooperative=models.OuterRef("pk"), campaign=campaign)
    return models.Q(models.Exists(in_campaign.filter(status__in=EDITABLE_STATUSES))) | ~models.Q(
        models.Exists(in_campaign)
    )


class SelectionQuerySet(models.QuerySet["Selection"]):
    def published(self) -> "SelectionQuerySet":
        return self.filter(published())

    def published_of(self, cooperative: Cooperative | int) -> "Selection | None":
        """The cooperative's public selection (its last validated one), with its campaign.

        One at most per cooperative (a database constraint); None before the first.
        """
        return (
            self.published()
            .filter(cooperative=cooperative)
            .select_related("cooperative", "campaign")
            .first()
        )

    def working_of(self, cooperative: Cooperative, campaign: "Campaign") -> "Selection | None":
        """The selection its staff work on in ``campaign``: its latest revision, or None."""
        return self.filter(cooperative=cooperative, campaign=campaign).order_by("-revision").first()


class Selection(models.Model):
    """A cooperative's positioning for one campaign.

    ``revision`` grows when a validated selection is reopened: the reopened
    copy is a new row, so the validated one stays public (``is_published``)
    until its successor is validated. Both fields are written only by
    ``commitments.workflow``.
    """

    Status = Status

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="selections",
        verbose_name=_("coopérative"),
    )
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, related_name="selections", verbose_name=_("campagne")
    )
    revision = models.PositiveSmallIntegerField(_("version"), default=1)
    status = models.CharField(
        _("statut"), max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    is_published = models.BooleanField(_("publiée"), default=False)
    engagements = models.ManyToManyField(
        Engagement, through="Choice", related_name="selections", verbose_name=_("engagements")
    )
    created_at = models.DateTimeField(_("créée le"), default=timezone.now)
    updated_at = models.DateTimeField(_("dernière activité"), default=timezone.now)
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    # Set when validated, from the campaign's validity: the cooperative's
    # standing reads it (``commitments.cycles``).
    valid_until = models.DateField(_("valable jusqu'au"), null=True, blank=True)

    objects = SelectionQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative__name", "-revision"]
        verbose_name = _("sélection")
        verbose_name_plural = _("sélections")
        permissions = [("review_selection", _("Peut examiner et valider les sélections"))]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "campaign", "revision"], name="selection_revision_unique"
            ),
            # One selection in progress per cooperative and campaign; validated
            # ones are kept as the record of what was published.
            models.UniqueConstraint(
                fields=["cooperative", "campaign"],
                condition=~models.Q(status="validated"),
                name="one_working_selection_per_coop_campaign",
            ),
            models.UniqueConstraint(
                fields=["cooperative"],
                condition=models.Q(is_published=True),
                name="one_published_selection_per_coop",
            ),
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(status="validated"),
                name="only_validated_selection_published",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    status__in=["draft", "submitted", "changes_requested", "validated"]
                ),
                name="selection_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return _("%(coop)s — %(campaign)s (v%(revision)s)") % {
            "coop": self.cooperative,
            "campaign": self.campaign,
            "revision": self.revision,
        }

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


class ChoiceQuerySet(models.QuerySet["Choice"]):
    def published(self) -> "ChoiceQuerySet":
        return self.filter(published("selection"))

    def with_project_counts(self) -> "ChoiceQuerySet":
        """Each choice with ``project_count``, and ``described_count``: those described."""
        return self.annotate(
            project_count=models.Count("projects"),
            described_count=models.Count("projects", filter=~models.Q(projects__description="")),
        )


class Choice(models.Model):
    """An engagement chosen by a selection."""

    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, related_name="choices", verbose_name=_("sélection")
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="choices", verbose_name=_("engagement")
    )
    created_at = models.DateTimeField(_("choisi le"), default=timezone.now)
    # After a partial send-back, the engagements the reviewers did not send
    # back stay locked for the staff.
    is_locked = models.BooleanField(_("verrouillé"), default=False)

    objects = ChoiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["engagement__number"]
        verbose_name = _("engagement choisi")
        verbose_name_plural = _("engagements choisis")
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "engagement"], name="engagement_chosen_once_per_selection"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection} — {self.engagement}"


_M = TypeVar("_M", bound=models.Model)


class PublicIdentityQuerySet(models.QuerySet[_M]):
    """Rows that carry a ``public_id``: a first version takes its own pk as its identity.

    The identity is the first row's pk, so that an identity and an older
    version's row id never name two different things: any number the public
    was given leads to one lineage. ``save()`` gives it to a row made one at a
    time; this gives it to rows made in bulk.
    """

    def bulk_create(self, objs, *args, **kwargs):
        created = super().bulk_create(objs, *args, **kwargs)
        first_versions = [obj for obj in created if obj.public_id is None]  # type: ignore[attr-defined]
        for obj in first_versions:
            obj.public_id = obj.pk  # type: ignore[attr-defined]
        if first_versions:
            self.bulk_update(first_versions, ["public_id"])
        return created

    def identity_of_row(self, row_id: int) -> int | None:
        """Among these rows, the public id of the lineage row ``row_id`` is a later version of.

        An address or a reference given before a lineage had one identity named
        a version's row: it leads to the identity, if these rows hold it (the
        published ones, for the public). One query; None for a first version,
        whose row id is its identity already.
        """
        versions = self.model._default_manager.filter(pk=row_id).values("public_id")
        return (
            self.filter(public_id__in=versions)
            .exclude(public_id=row_id)
            .values_list("public_id", flat=True)
            .first()
        )


def _take_own_pk_as_identity(obj: "Project | Indicator") -> None:
    # After the insert, when the pk exists: one more UPDATE for a first version.
    if obj.public_id is None:
        obj.public_id = obj.pk
        type(obj).objects.filter(pk=obj.pk).update(public_id=obj.pk)


class ProjectQuerySet(PublicIdentityQuerySet["Project"]):
    def published(self) -> "ProjectQuerySet":
        return self.filter(published("choice__selection"))

    def followed_by(self, follow_up: "FollowUp") -> "ProjectQuerySet":
        """The projects ``follow_up`` asks news of: its campaign's published ones."""
        return self.published().filter(choice__selection__campaign=follow_up.campaign_id)

    def without_report_for(self, follow_up: "FollowUp") -> "ProjectQuerySet":
        """The projects that have not sent their news for ``follow_up`` yet."""
        return self.filter(~_has_reported(follow_up))

    def with_report_for(self, follow_up: "FollowUp") -> "ProjectQuerySet":
        """Each project annotated ``reported``: whether it has sent its news for ``follow_up``."""
        return self.annotate(reported=_has_reported(follow_up))

    def report_counts(self, follow_up: "FollowUp") -> dict[str, int]:
        """``total`` projects and how many have ``reported`` for ``follow_up``, in one query."""
        return self.aggregate(
            total=models.Count("pk"),
            reported=models.Count("pk", filter=models.Q(_has_reported(follow_up))),
        )

    def owned_by(self, user: Any) -> "ProjectQuerySet":
        """The projects ``user`` carries, as owner or co-owner ("Mes projets")."""
        return self.filter(models.Q(owner=user) | models.Q(co_owner=user))

    def with_stage(self) -> "ProjectQuerySet":
        """Each project annotated with its stage (``stage_key``), in SQL.

        The stage is what the latest published update reports or, without
        one, the progress declared with the selection (a planned project is
        an intention). One subquery, so that a list of projects says which
        are intentions and which are under way at no extra query; filters,
        roll-ups and downloads group on the same expression.
        """
        latest = (
            ProgressUpdate.objects.in_published_state()
            .filter(lineage=models.OuterRef("lineage"))
            .order_by("-happened_on", "-pk")
        )
        declared = models.Case(
            models.When(progress=Project.Progress.IN_PROGRESS, then=models.Value("in_progress")),
            models.When(progress=Project.Progress.DONE, then=models.Value("done")),
            default=models.Value(INTENTION),
            output_field=models.CharField(),
        )
        return self.annotate(
            stage_key=Coalesce(models.Subquery(latest.values("status")[:1]), declared)
        )


class Carry(models.TextChoices):
    """What became of a project carried from the previous cycle's selection."""

    RENEWED = "renewed", _("Reconduit")
    MODIFIED = "modified", _("Modifié")


class Project(models.Model):
    # What staff describe of a project, in the order a reader expects: the one
    # list that the forms, the admin, the copy, the snapshot and the diff read.
    EDITABLE_FIELDS = (
        "title",
        "description",
        "objectives",
        "indicators",
        "target_date",
        "progress",
    )

    class Progress(models.TextChoices):
        PLANNED = "planned", _("Prévu")
        IN_PROGRESS = "in_progress", _("En cours")
        DONE = "done", _("Réalisé")

    choice = models.ForeignKey(
        Choice, on_delete=models.CASCADE, related_name="projects", verbose_name=_("engagement")
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    description = models.TextField(_("description"), max_length=TEXT_MAX)
    objectives = models.TextField(_("objectifs"), max_length=TEXT_MAX, blank=True)
    # How the cooperative follows the project, in words: not the numeric
    # indicators (``Indicator``), so it is never called an indicator.
    indicators = models.TextField(_("modalités de suivi"), max_length=TEXT_MAX, blank=True)
    target_date = models.DateField(_("échéance visée"), null=True, blank=True)
    progress = models.CharField(
        _("avancement"), max_length=20, choices=Progress.choices, default=Progress.PLANNED
    )
    position = models.PositiveIntegerField(_("ordre"), default=0)
    # Optimistic concurrency: a save carries the version it was edited from.
    version = models.PositiveIntegerField(_("version"), default=1)
    # The key of the form that created the project: the same form posted twice
    # (a double click, a resent request) creates it once.
    creation_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    # The same project across the selection's versions: a new version's copy keeps
    # it, so that the project's public address leads to its current version.
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    # The lineage as the public names it (page address, API, open data, spreadsheet,
    # PDF): the pk of its first version, copied to every later version and cycle.
    # Empty only between the insert of a first version and its own pk being known.
    public_id = models.PositiveIntegerField(
        _("identifiant public"), null=True, editable=False, db_index=True
    )
    # Carried from the previous cycle: staff say whether it is renewed as it
    # was or modified (empty: a new project, or not marked yet).
    carry = models.CharField(_("reconduction"), max_length=20, choices=Carry.choices, blank=True)
    # Set by reviewers, like the federation's yearly trophies; not staff's to edit.
    is_exemplary = models.BooleanField(_("projet exemplaire"), default=False)
    # Who carries the project in the cooperative (``commitments.ownership``): part
    # of its identity, not of the content reviewed, so copied to every version.
    owner = someone(_("porteur"))
    co_owner = someone(_("co-porteur"))
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)

    objects = ProjectQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("projet")
        verbose_name_plural = _("projets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__in=["planned", "in_progress", "done"]),
                name="project_progress_valid",
            ),
            # TextField max_length is only enforced by forms; bound it in the
            # database too so no path (admin, API, script) stores a novel.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("description"), TEXT_MAX),
                name="project_description_bounded",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("objectives"), TEXT_MAX),
                name="project_objectives_bounded",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("indicators"), TEXT_MAX),
                name="project_indicators_bounded",
            ),
            # One version of a lineage per engagement of a selection. A project
            # moves between engagements only within its selection, and versions
            # are made only by copying a whole selection, so this holds per selection.
            models.UniqueConstraint(
                fields=["choice", "public_id"], name="project_public_id_once_per_choice"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _take_own_pk_as_identity(self)

    def get_absolute_url(self) -> str:
        return reverse("public:project", args=[self.public_id])

    @property
    def stage(self) -> str:
        """Where the project stands for a reader (read from ``with_stage()``)."""
        return self.stage_key  # type: ignore[attr-defined]

    @property
    def stage_label(self) -> str:
        return str(STAGE_LABELS[self.stage])


# Measured values: up to a billion, to the hundredth (households, euros, kWh, %).
VALUE_DIGITS, VALUE_PLACES = 12, 2


class IndicatorQuerySet(PublicIdentityQuerySet["Indicator"]):
    """Indicators keep their identity across versions, like their project."""

    def with_latest_public_value(self) -> "IndicatorQuerySet":
        """Each indicator with ``latest_value`` and ``latest_measured_on``: its latest public value.

        In the query that reads the indicators: a list of them (the open data,
        the review) costs no query per indicator.
        """
        latest = (
            Measurement.objects.public()
            .filter(indicator=models.OuterRef("pk"))
            .order_by("-measured_on", "-pk")
        )
        return self.annotate(
            latest_value=models.Subquery(latest.values("value")[:1]),
            latest_measured_on=models.Subquery(latest.values("measured_on")[:1]),
        )


class Indicator(models.Model):
    """How a project is measured: a quantity, where it started and where it should get to.

    Part of the selection like the project's other fields: staff define it while
    the selection is editable, reviewers see it in the review and its diff.
    """

    # What the snapshot, the copy and the diff carry of an indicator.
    EDITABLE_FIELDS = (
        "name",
        "unit",
        "baseline_value",
        "baseline_date",
        "target_value",
        "target_date",
        "catalogue",
    )

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="indicator_set", verbose_name=_("projet")
    )
    # Linked, the indicator takes the catalogue's unit and definition and its
    # values enter the network's totals (times the factor an administrator's
    # mapping gave; a link chosen in the form counts as is).
    catalogue = models.ForeignKey(
        "CatalogueIndicator",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="indicators",
        verbose_name=_("indicateur du catalogue"),
    )
    catalogue_factor = models.DecimalField(
        _("facteur de conversion vers le catalogue"),
        max_digits=VALUE_DIGITS,
        decimal_places=6,
        default=Decimal(1),
    )
    name = models.CharField(_("indicateur"), max_length=TITLE_MAX)
    unit = models.CharField(_("unité"), max_length=50, blank=True)
    baseline_value = models.DecimalField(
        _("valeur de départ"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        null=True,
        blank=True,
    )
    baseline_date = models.DateField(_("date de la valeur de départ"), null=True, blank=True)
    target_value = models.DecimalField(
        _("cible"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES
    )
    target_date = models.DateField(_("échéance de la cible"), null=True, blank=True)
    position = models.PositiveIntegerField(_("ordre"), default=0)
    # The indicator across the project's versions, as the open data names it:
    # like the project's, the pk of its first version.
    public_id = models.PositiveIntegerField(
        _("identifiant public"), null=True, editable=False, db_index=True
    )
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = IndicatorQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("indicateur")
        verbose_name_plural = _("indicateurs")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "public_id"], name="indicator_public_id_once_per_project"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        _take_own_pk_as_identity(self)

    @property
    def latest(self) -> "Measurement | None":
        """The most recent measured value (from the prefetched ones, when they are)."""
        measurements = list(self.measurements.all())
        return measurements[-1] if measurements else None

    def reached(self, value: "Decimal | None") -> bool:
        """Whether ``value`` reaches the target, from whichever side the baseline starts."""
        if value is None:
            return False
        if self.baseline_value is not None and self.baseline_value > self.target_value:
            return value <= self.target_value
        return value >= self.target_value


class MeasurementQuerySet(models.QuerySet["Measurement"]):
    def public(self) -> "MeasurementQuerySet":
        """Values the public may see, on a project it may see."""
        return self.filter(models.Q(update__isnull=True) | update_published("update"))

    def counted_in_network(self) -> "MeasurementQuerySet":
        """The values that add up: public, on a published project, of a catalogue indicator.

        The public project page's rule (published project, value public), no
        other; a free indicator never counts.
        """
        return self.public().filter(
            published("indicator__project__choice__selection"),
            indicator__catalogue__isnull=False,
        )


class Measurement(models.Model):
    """A dated measured value of an indicator, with where it comes from."""

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="measurements",
        verbose_name=_("indicateur"),
    )
    value = models.DecimalField(_("valeur"), max_digits=VALUE_DIGITS, decimal_places=VALUE_PLACES)
    measured_on = models.DateField(_("date de la mesure"))
    comment = models.CharField(_("commentaire ou source"), max_length=500, blank=True)
    # A value given with a progress update is public once that update is;
    # without one, it was part of the selection and reviewed with it.
    update = models.ForeignKey(
        "ProgressUpdate",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="measurements",
        verbose_name=_("point d'étape"),
    )
    created_at = models.DateTimeField(_("saisie le"), default=timezone.now)

    objects = MeasurementQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["measured_on", "pk"]
        verbose_name = _("mesure")
        verbose_name_plural = _("mesures")

    def __str__(self) -> str:
        return f"{self.indicator} : {self.value} ({self.measured_on})"


class ProjectStatus(models.TextChoices):
    """Where a validated project stands, as its cooperative reports it."""

    NOT_STARTED = "not_started", _("Pas commencé")
    IN_PROGRESS = "in_progress", _("En cours")
    DONE = "done", _("Réalisé")
    POSTPONED = "postponed", _("Reporté")
    ABANDONED = "abandoned", _("Abandonné")


# A project nobody reported on yet is what the cooperative intends to do.
INTENTION = "intention"
STAGE_LABELS = {INTENTION: _("Intention"), **dict(ProjectStatus.choices)}

# A postponed or abandoned project says why.
STATUSES_WITH_REASON = (ProjectStatus.POSTPONED, ProjectStatus.ABANDONED)


class UpdateState(models.TextChoices):
    """Where a progress update is on its way to the public (``commitments.progress``)."""

    DRAFT = "draft", _("Brouillon")
    SUBMITTED = "submitted", _("À relire")
    SENT_BACK = "sent_back", _("À reprendre")
    PUBLISHED = "published", _("Publié")


UPDATE_TEXT_MAX = 2000


def update_published(path: str = "") -> models.Q:
    """A progress update in the published state, as ``published()`` is for a selection.

    ``path`` leads from the model being filtered to the update ("" on an
    update, "update" on a measurement). Whether its project is public too is
    ``ProgressUpdate.objects.published()``'s question.
    """
    return models.Q(**{f"{path}__state" if path else "state": UpdateState.PUBLISHED})


# An update counts as the project's report for a follow-up once it is sent
# (reviewed or not) and dated within the follow-up.
REPORTING_STATES = (UpdateState.SUBMITTED, UpdateState.PUBLISHED)


class ProgressUpdateQuerySet(models.QuerySet["ProgressUpdate"]):
    def published(self) -> "ProgressUpdateQuerySet":
        """Published updates of projects the public sees, whichever version they were posted on."""
        return self.in_published_state().filter(
            lineage__in=Project.objects.published().values("lineage")
        )

    def in_published_state(self) -> "ProgressUpdateQuerySet":
        """Updates in the published state, whatever their project (the journal's own view)."""
        return self.filter(update_published())

    def reported_for(self, follow_up: "FollowUp") -> "ProgressUpdateQuerySet":
        """The updates that count as their project's report for ``follow_up``."""
        return self.filter(state__in=REPORTING_STATES, happened_on__gte=follow_up.opens_on)


def _has_reported(follow_up: "FollowUp") -> models.Exists:
    """For a project row: whether its lineage has sent its news for ``follow_up``."""
    return models.Exists(
        ProgressUpdate.objects.reported_for(follow_up).filter(lineage=models.OuterRef("lineage"))
    )


class ProgressUpdate(models.Model):
    """A dated point on a validated project: where it stands, what happened, new values.

    Posted by the cooperative's staff after validation, without reopening the
    selection. ``state`` moves only through ``commitments.progress``.
    """

    # Its states, for the templates to compare with (update.State.PUBLISHED).
    State = UpdateState

    # What staff write; the form, the service and the history read this list.
    EDITABLE_FIELDS = ("status", "reason", "text", "happened_on")

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="updates", verbose_name=_("projet")
    )
    # The project across the selection's versions: its public page shows every
    # update of the lineage, whichever version it was posted on.
    lineage = models.UUIDField(editable=False, db_index=True)
    state = models.CharField(
        _("état"),
        max_length=20,
        choices=UpdateState.choices,
        default=UpdateState.DRAFT,
        db_index=True,
    )
    status = models.CharField(_("avancement"), max_length=20, choices=ProjectStatus.choices)
    reason = models.TextField(_("raison"), max_length=UPDATE_TEXT_MAX, blank=True)
    text = models.TextField(_("ce qui s'est passé"), max_length=UPDATE_TEXT_MAX)
    happened_on = models.DateField(_("date du point d'étape"))
    author = someone(_("rédigé par"))
    reviewer = someone(_("relu par"))
    remark = models.TextField(_("remarque de la fédération"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("créé le"), default=timezone.now)
    updated_at = models.DateTimeField(_("modifié le"), default=timezone.now)
    submitted_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    published_at = models.DateTimeField(_("publié le"), null=True, blank=True, db_index=True)

    objects = ProgressUpdateQuerySet.as_manager()

    history = HistoricalRecords()

    class Meta:
        ordering = ["-happened_on", "-pk"]
        verbose_name = _("point d'étape")
        verbose_name_plural = _("points d'étape")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=[state.value for state in UpdateState]),
                name="progress_update_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in ProjectStatus]),
                name="progress_update_status_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=[s.value for s in STATUSES_WITH_REASON])
                | ~models.Q(reason=""),
                name="progress_update_reason_when_postponed_or_abandoned",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("text"), UPDATE_TEXT_MAX),
                name="progress_update_text_bounded",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), UPDATE_TEXT_MAX),
                name="progress_update_reason_bounded",
            ),
        ]
        indexes = [models.Index(fields=["lineage", "state", "happened_on"])]

    def __str__(self) -> str:
        return f"{self.project} — {self.get_status_display()} ({self.happened_on})"

    @property
    def is_editable(self) -> bool:
        return self.state in (UpdateState.DRAFT, UpdateState.SENT_BACK, UpdateState.PUBLISHED)


class FollowUpQuerySet(models.QuerySet["FollowUp"]):
    def current(self, today: datetime.date | None = None) -> "FollowUp | None":
        """The follow-up under way: the latest one already opened."""
        today = today or timezone.localdate()
        return self.filter(opens_on__lte=today).order_by("-opens_on", "-pk").first()


class FollowUp(models.Model):
    """An annual follow-up: by ``due_on``, each cooperative posts an update per validated project.

    It sits inside a commitment campaign: the projects it follows are those of
    that campaign's published selections.
    """

    campaign = models.ForeignKey(
        Campaign,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("campagne d'engagement suivie"),
    )
    name = models.CharField(_("nom"), max_length=200, unique=True)
    opens_on = models.DateField(_("date d'ouverture"))
    due_on = models.DateField(
        _("date limite"),
        help_text=_("Date à laquelle chaque projet validé doit avoir au moins un point d'étape."),
    )

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_on"]
        verbose_name = _("campagne de suivi")
        verbose_name_plural = _("campagnes de suivi")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("opens_on")),
                name="follow_up_due_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_open(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.opens_on <= today <= self.due_on


class Transition(models.Model):
    """One move of a selection's status: who, when, from, to and why."""

    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("sélection")
    )
    from_status = models.CharField(
        _("statut de départ"), max_length=20, choices=Status.choices, blank=True
    )
    to_status = models.CharField(_("statut d'arrivée"), max_length=20, choices=Status.choices)
    actor = someone(_("par"))
    message = models.TextField(_("message"), max_length=TEXT_MAX, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    # What was submitted, frozen, so that reviewers can compare two submissions.
    snapshot = models.JSONField(_("contenu soumis"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("changement de statut")
        verbose_name_plural = _("changements de statut")

    def __str__(self) -> str:
        return (
            f"{self.selection} : {self.get_from_status_display()} → {self.get_to_status_display()}"
        )


class Remark(models.Model):
    """A reviewer's remark on one engagement, given with a decision."""

    transition = models.ForeignKey(
        Transition, on_delete=models.CASCADE, related_name="remarks", verbose_name=_("décision")
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="+", verbose_name=_("engagement")
    )
    text = models.TextField(_("remarque"), max_length=TEXT_MAX)

    class Meta:
        ordering = ["engagement__number"]
        verbose_name = _("remarque")
        verbose_name_plural = _("remarques")
        constraints = [
            models.UniqueConstraint(
                fields=["transition", "engagement"], name="one_remark_per_engagement_and_decision"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]


class DroppedProject(models.Model):
    """A project of the previous cycle the cooperative abandons, and why.

    It leaves the new selection (the public never sees it there); this row
    keeps what the review compares against the previous cycle.
    """

    selection = models.ForeignKey(
        Selection,
        on_delete=models.CASCADE,
        related_name="dropped_projects",
        verbose_name=_("sélection"),
    )
    engagement = models.ForeignKey(
        Engagement, on_delete=models.PROTECT, related_name="+", verbose_name=_("engagement")
    )
    lineage = models.UUIDField(editable=False)
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    reason = models.TextField(_("raison"), max_length=TEXT_MAX)
    dropped_by = someone(_("par"))
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["engagement__number", "pk"]
        verbose_name = _("projet abandonné")
        verbose_name_plural = _("projets abandonnés")

    def __str__(self) -> str:
        return self.title


class ReopeningRequest(models.Model):
    """Staff ask the federation to reopen a validated selection; reviewers accept or decline."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        ACCEPTED = "accepted", _("Acceptée")
        DECLINED = "declined", _("Refusée")

    selection = models.ForeignKey(
        Selection,
        on_delete=models.CASCADE,
        related_name="reopening_requests",
        verbose_name=_("sélection"),
    )
    state = models.CharField(
        _("état"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    message = models.TextField(_("message"), max_length=TEXT_MAX)
    requested_by = someone(_("demandée par"))
    created_at = models.DateTimeField(_("demandée le"), default=timezone.now)
    decided_by = someone(_("décidée par"))
    decided_at = models.DateTimeField(_("décidée le"), null=True, blank=True)
    reason = models.TextField(_("raison du refus"), max_length=TEXT_MAX, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("demande de réouverture")
        verbose_name_plural = _("demandes de réouverture")
        constraints = [
            # One open request at a time per selection.
            models.UniqueConstraint(
                fields=["selection"],
                condition=models.Q(state="pending"),
                name="one_pending_reopening_request_per_selection",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection} — {self.get_state_display()}"


class ReviewDraft(models.Model):
    """A reviewer's review in progress: saved, not sent, until the decision."""

    selection = models.ForeignKey(
        Selection,
        on_delete=models.CASCADE,
        related_name="review_drafts",
        verbose_name=_("sélection"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("relecteur"),
    )
    decision = models.CharField(_("décision envisagée"), max_length=30, blank=True)
    message = models.TextField(_("message"), max_length=TEXT_MAX, blank=True)
    # Engagement number (as text) -> remark.
    remarks = models.JSONField(_("remarques"), default=dict, blank=True)
    updated_at = models.DateTimeField(_("enregistrée le"), default=timezone.now)

    class Meta:
        verbose_name = _("examen en cours")
        verbose_name_plural = _("examens en cours")
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "reviewer"], name="one_review_draft_per_reviewer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection} — {self.reviewer}"


class InternalNote(models.Model):
    """A reviewers' note on a selection: never shown to the cooperative nor the public."""

    selection = models.ForeignKey(
        Selection,
        on_delete=models.CASCADE,
        related_name="internal_notes",
        verbose_name=_("sélection"),
    )
    author = someone(_("auteur"))
    text = models.TextField(_("note"), max_length=TEXT_MAX)
    created_at = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("note interne")
        verbose_name_plural = _("notes internes")

    def __str__(self) -> str:
        return self.text[:80]


class Notification(models.Model):
    """What happened to a person's selections and reviews, in the portal ("Notifications")."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("destinataire"),
    )
    text = models.CharField(_("texte"), max_length=300)
    url = models.CharField(_("lien"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("date"), default=timezone.now)
    read_at = models.DateTimeField(_("lue le"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return self.text


# --- The federation's catalogue of common indicators -------------------------------


class SustainableDevelopmentGoal(models.Model):
    """One of the 17 UN Sustainable Development Goals (ODD), reference data."""

    number = models.PositiveSmallIntegerField(_("numéro"), unique=True)
    name = models.CharField(_("intitulé court"), max_length=100)

    class Meta:
        ordering = ["number"]
        verbose_name = _("objectif de développement durable")
        verbose_name_plural = _("objectifs de développement durable")

    def __str__(self) -> str:
        return _("ODD %(number)s — %(name)s") % {"number": self.number, "name": self.name}


class VsmeDisclosure(models.Model):
    """A basic disclosure (B1–B11) of the EU's voluntary standard for SMEs (VSME)."""

    code = models.CharField(_("code"), max_length=4, unique=True)
    title = models.CharField(_("intitulé"), max_length=200)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("information de base VSME")
        verbose_name_plural = _("informations de base VSME")

    def __str__(self) -> str:
        return f"{self.code} — {self.title}"


class Direction(models.TextChoices):
    HIGHER = "higher", _("Plus c'est haut, mieux c'est")
    LOWER = "lower", _("Plus c'est bas, mieux c'est")


class Aggregation(models.TextChoices):
    """How the cooperatives' values of one year make the network's figure."""

    SUM = "sum", _("Somme")
    WEIGHTED_MEAN = "weighted_mean", _("Moyenne pondérée par le nombre de logements gérés")
    MEAN = "mean", _("Moyenne simple")
    NONE = "none", _("Non agrégeable")


class ReportingPeriod(models.TextChoices):
    CALENDAR_YEAR = "calendar_year", _("Année civile")


class CatalogueIndicatorQuerySet(models.QuerySet["CatalogueIndicator"]):
    def aggregatable(self) -> "CatalogueIndicatorQuerySet":
        return self.exclude(aggregation=Aggregation.NONE)


class CatalogueIndicator(models.Model):
    """A common indicator of the federation: defined once, so that values add up.

    A project's indicator linked to it takes its unit and its definition; only
    the values of linked indicators enter the network's totals.
    """

    code = models.SlugField(_("code"), max_length=60, unique=True)
    label = models.CharField(_("intitulé"), max_length=TITLE_MAX)
    unit = models.CharField(_("unité"), max_length=50)
    definition = models.TextField(
        _("définition"),
        max_length=TEXT_MAX,
        help_text=_("Ce qui est compté, et à quelle date."),
    )
    direction = models.CharField(
        _("sens"), max_length=10, choices=Direction.choices, default=Direction.HIGHER
    )
    aggregation = models.CharField(
        _("agrégation"), max_length=20, choices=Aggregation.choices, default=Aggregation.SUM
    )
    reporting_period = models.CharField(
        _("période de référence"),
        max_length=20,
        choices=ReportingPeriod.choices,
        default=ReportingPeriod.CALENDAR_YEAR,
    )
    engagements = models.ManyToManyField(
        Engagement,
        related_name="catalogue_indicators",
        verbose_name=_("engagements servis"),
    )
    plausible_min = models.DecimalField(
        _("minimum plausible"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        null=True,
        blank=True,
    )
    plausible_max = models.DecimalField(
        _("maximum plausible"),
        max_digits=VALUE_DIGITS,
        decimal_places=VALUE_PLACES,
        null=True,
        blank=True,
    )
    sdgs = models.ManyToManyField(
        SustainableDevelopmentGoal,
        blank=True,
        related_name="catalogue_indicators",
        verbose_name=_("objectifs de développement durable"),
    )
    vsme_disclosures = models.ManyToManyField(
        VsmeDisclosure,
        blank=True,
        related_name="catalogue_indicators",
        verbose_name=_("informations de base VSME"),
    )

    objects = CatalogueIndicatorQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[engagements])

    class Meta:
        ordering = ["code"]
        verbose_name = _("indicateur du catalogue")
        verbose_name_plural = _("indicateurs du catalogue")

    def __str__(self) -> str:
        return f"{self.label} ({self.unit})"


class IndicatorMapping(models.Model):
    """A free indicator attached to the catalogue by an administrator, and how.

    Its values enter the totals multiplied by ``factor`` (e.g. 1000 from MWh to kWh).
    """

    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        related_name="mappings",
        verbose_name=_("indicateur libre"),
    )
    catalogue = models.ForeignKey(
        CatalogueIndicator,
        on_delete=models.PROTECT,
        related_name="mappings",
        verbose_name=_("indicateur du catalogue"),
    )
    factor = models.DecimalField(
        _("facteur de conversion"),
        max_digits=VALUE_DIGITS,
        decimal_places=6,
        default=Decimal(1),
    )
    former_name = models.CharField(_("intitulé d'origine"), max_length=TITLE_MAX)
    former_unit = models.CharField(_("unité d'origine"), max_length=50, blank=True)
    by = someone(_("par"))
    at = models.DateTimeField(_("le"), default=timezone.now)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("rattachement au catalogue")
        verbose_name_plural = _("rattachements au catalogue")

    def __str__(self) -> str:
        return f"{self.former_name} → {self.catalogue.code}"


class SpreadsheetImport(UploadJob):
    """A workbook a member sent back for the selection: read, then applied, by the worker.

    The dry run is the member's own: applied by them, to this selection
    (``commitments.spreadsheet_jobs``).
    """

    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, related_name="+", verbose_name=_("sélection")
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("import de tableur")
        verbose_name_plural = _("imports de tableur")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["reading", "read", "applying", "applied", "failed"]),
                name="spreadsheet_import_state_valid",
            ),
        ]


class EvidenceStatus(models.TextChoices):
    """Where the federation stands on a piece of evidence (``commitments.evidence``)."""

    PENDING = "pending", _("À examiner")
    ACCEPTED = "accepted", _("Pièce acceptée")
    ANOTHER_REQUESTED = "another_requested", _("Autre pièce demandée")


class EvidenceQuerySet(models.QuerySet["Evidence"]):
    def public(self) -> "EvidenceQuerySet":
        """Files marked public, on a published version or a published progress update."""
        return self.filter(public=True).filter(
            models.Q(project__in=Project.objects.published())
            | update_published("update")
            | models.Q(
                measurement__indicator__project__in=Project.objects.published(),
                measurement__update__isnull=True,
            )
            | update_published("measurement__update")
        )


class Evidence(models.Model):
    """A file attached to a project, a progress update or a measured value.

    The bytes live in the file store under ``key`` (``evidence/<coop id>/<uuid>``),
    never under the name they were uploaded with. A new version of the selection
    copies the row, not the file: the copies share the key, and the stored object
    goes only when the last row naming it goes (``commitments.evidence``).
    """

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="+", verbose_name=_("coopérative")
    )
    # Exactly one of the three: what the file supports.
    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("projet"),
    )
    update = models.ForeignKey(
        ProgressUpdate,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("point d'étape"),
    )
    measurement = models.ForeignKey(
        Measurement,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="evidence",
        verbose_name=_("mesure"),
    )
    title = models.CharField(_("titre"), max_length=TITLE_MAX)
    note = models.TextField(_("note"), max_length=TEXT_MAX, blank=True)
    public = models.BooleanField(_("publique"), default=False)
    key = models.CharField(_("clé du fichier"), max_length=200, db_index=True, editable=False)
    original_name = models.CharField(_("nom d'origine"), max_length=255, editable=False)
    content_type = models.CharField(_("type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("taille (octets)"), editable=False)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, editable=False)
    uploaded_by = someone(_("déposée par"))
    uploaded_at = models.DateTimeField(_("déposée le"), default=timezone.now)
    status = models.CharField(
        _("examen"),
        max_length=20,
        choices=EvidenceStatus.choices,
        default=EvidenceStatus.PENDING,
    )
    remark = models.TextField(_("remarque de la fédération"), max_length=TEXT_MAX, blank=True)
    reviewed_by = someone(_("examinée par"))
    reviewed_at = models.DateTimeField(_("examinée le"), null=True, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("pièce justificative")
        verbose_name_plural = _("pièces justificatives")
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(project__isnull=False, update__isnull=True, measurement__isnull=True)
                    | models.Q(project__isnull=True, update__isnull=False, measurement__isnull=True)
                    | models.Q(project__isnull=True, update__isnull=True, measurement__isnull=False)
                ),
                name="evidence_supports_one_thing",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=[status.value for status in EvidenceStatus]),
                name="evidence_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class SummaryFigures(models.Model):
    """Measures of one summary line; ``commitments.summaries`` says what each kind holds.

    ``count`` is what most lines count (cooperatives, projects, updates);
    the network's lines also carry the sum of the values (``amount``), and
    for the means weighted by homes managed the weighted sum and the weight.
    """

    kind = models.CharField(_("nature"), max_length=40)
    key = models.CharField(_("clé"), max_length=200)
    count = models.BigIntegerField(_("nombre"), default=0)
    amount = models.DecimalField(_("somme"), max_digits=40, decimal_places=8, default=Decimal(0))
    weighted = models.DecimalField(
        _("somme pondérée"), max_digits=40, decimal_places=8, default=Decimal(0)
    )
    weight = models.BigIntegerField(_("poids"), default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.kind} {self.key}"

    def measures(self) -> tuple[int, Decimal, Decimal, int]:
        return (self.count, self.amount, self.weighted, self.weight)


class Summary(SummaryFigures):
    """A figure of the public pages or the federation's dashboard, over every cooperative.

    The sum of the cooperatives' shares (``CooperativeSummary``) of the same
    kind and key, kept so by ``commitments.summaries`` as content moves.
    """

    class Meta:
        verbose_name = _("ligne de synthèse")
        verbose_name_plural = _("lignes de synthèse")
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="summary_kind_key_unique"),
        ]


class CooperativeSummary(SummaryFigures):
    """One cooperative's share of a ``Summary``: what it adds, so that a change subtracts it."""

    cooperative = models.ForeignKey(
        Cooperative,
        on_delete=models.CASCADE,
        related_name="summary_shares",
        verbose_name=_("coopérative"),
    )

    class Meta:
        verbose_name = _("part d'une coopérative")
        verbose_name_plural = _("parts des coopératives")
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "kind", "key"], name="cooperative_summary_unique"
            ),
        ]
