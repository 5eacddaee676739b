"""The files the portal hands out: their rows here, their bytes in the file store.

Each row names its file by a generated key in the one file store
(``qualicoop.lib.file_store``: a disk, or object storage shared by every app
server and worker); the file is served by ``file_store.serve`` once the view
has decided who may have it.
"""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from commitments.models import Campaign, Selection
from coops.models import Cooperative


class CooperativeDocument(models.Model):
    """The PDF of one published version of a cooperative's selection.

    One per selection: a new published version gets its own, and the older
    ones are kept as the record of what was public. A published progress
    update changes what the PDF says, so the PDF of the published version is
    made again then (``qualicoop.documents.cooperative``).
    """

    selection = models.OneToOneField(
        Selection,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("sélection"),
    )
    key = models.CharField(_("clé du fichier"), max_length=200, editable=False)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    # The SHA-256 of the HTML the PDF was made from: the same content again
    # (a save that changed nothing printed) makes no new PDF.
    digest = models.CharField(_("empreinte du contenu"), max_length=64, editable=False)
    # When the content was read: a slower worker holding older content never
    # overwrites a PDF made from newer content.
    content_as_of = models.DateTimeField(_("contenu lu le"))
    generated_at = models.DateTimeField(_("produit le"), default=timezone.now)
    duration = models.FloatField(_("durée de production (s)"), default=0)

    class Meta:
        ordering = ["-generated_at"]
        verbose_name = _("PDF d'une coopérative")
        verbose_name_plural = _("PDF des coopératives")

    def __str__(self) -> str:
        return str(self.selection)


class DocumentJob(models.Model):
    """A document asked for, made by the task worker, its files in the file store (``jobs``)."""

    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        RUNNING = "running", _("En cours")
        READY = "ready", _("Prête")
        FAILED = "failed", _("Échec")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("demandée par"),
    )
    requested_at = models.DateTimeField(_("demandée le"), default=timezone.now, db_index=True)
    state = models.CharField(
        _("état"), max_length=20, choices=State.choices, default=State.PENDING, db_index=True
    )
    progress = models.PositiveSmallIntegerField(_("avancement (%)"), default=0)
    started_at = models.DateTimeField(_("commencée le"), null=True, blank=True)
    finished_at = models.DateTimeField(_("terminée le"), null=True, blank=True)
    # What went wrong: for the administrators (technical), and for the person who
    # asked when the document went past its bounds (in French).
    error = models.CharField(_("erreur"), max_length=500, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-requested_at", "-pk"]
        # Each kind of job has its own table, and these on each ("%(class)s").
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=["pending", "running", "ready", "failed"]),
                name="%(app_label)s_%(class)s_state_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_0_100",
            ),
        ]

    @property
    def is_under_way(self) -> bool:
        return self.state in (self.State.PENDING, self.State.RUNNING)


class SynthesisJob(DocumentJob):
    """A campaign's synthesis asked by a reviewer, made in the background, kept for download."""

    campaign = models.ForeignKey(
        Campaign, on_delete=models.CASCADE, related_name="+", verbose_name=_("campagne")
    )
    pdf_key = models.CharField(_("clé du PDF"), max_length=200, blank=True, editable=False)
    xlsx_key = models.CharField(_("clé du classeur"), max_length=200, blank=True, editable=False)

    class Meta(DocumentJob.Meta):
        verbose_name = _("synthèse de campagne")
        verbose_name_plural = _("synthèses de campagne")

    def __str__(self) -> str:
        return f"{self.campaign} — {self.requested_at:%Y-%m-%d %H:%M}"


class WorkingDocument(DocumentJob):
    """The working document of a selection being prepared, asked by a member.

    Only the latest of a selection is kept: asking again replaces it (and its file).
    """

    selection = models.ForeignKey(
        Selection, on_delete=models.CASCADE, related_name="+", verbose_name=_("sélection")
    )
    pdf_key = models.CharField(_("clé du PDF"), max_length=200, blank=True, editable=False)

    class Meta(DocumentJob.Meta):
        verbose_name = _("document de travail")
        verbose_name_plural = _("documents de travail")

    def __str__(self) -> str:
        return f"{self.selection} — {self.requested_at:%Y-%m-%d %H:%M}"


class RevisionDossier(DocumentJob):
    """A cooperative's *dossier de révision*: one ZIP of every cycle, for its statutory reviewer.

    Asked by a référent or a reviewer, made by a task (``qualicoop.documents.dossier``),
    kept in the file store under ``key`` until ``expires_at``, then asked for again.
    """

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="+", verbose_name=_("coopérative")
    )
    key = models.CharField(_("clé du fichier"), max_length=200, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("taille (octets)"), default=0)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)

    class Meta(DocumentJob.Meta):
        verbose_name = _("dossier de révision")
        verbose_name_plural = _("dossiers de révision")

    def __str__(self) -> str:
        return f"{self.cooperative} — {self.requested_at:%Y-%m-%d %H:%M}"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())
