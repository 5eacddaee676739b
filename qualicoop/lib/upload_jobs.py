"""A file sent to the portal, kept for the task worker, which reads it, then applies it.

Both imports go this way — a selection's workbook sent back by a member
(``commitments.spreadsheet_jobs``) and the federation's cooperatives
(``coops.import_jobs``): the request keeps the file and queues its dry run;
the worker reads it and keeps the rows and the report; the person reads the
report on a page that refreshes itself, then asks for the import, which the
worker applies. Each step is bounded in time (``SPREADSHEET_TIME_LIMIT``);
whatever stops it, nothing is written and the job says why in French.

A person sends a few files a minute at most (``UPLOADS_PER_MINUTE``): each one
costs the worker a read.
"""

import datetime
import io
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .time_limit import TimeLimitExceeded, time_limit

logger = logging.getLogger("qualicoop.uploads")

UPLOADS_PER_MINUTE = 5
# A job under way for longer than this has lost its worker (a restart, a crash):
# its page stops waiting and says so.
STALE_AFTER = datetime.timedelta(minutes=15)
# How long a person's files, read or applied, are kept.
KEPT_FOR = datetime.timedelta(days=2)
UNEXPECTED = gettext_lazy(
    "Le classeur n'a pas pu être traité : rien n'a été modifié. Envoyez-le de nouveau, "
    "ou prévenez la fédération si l'échec se répète."
)


class UploadJob(models.Model):
    """A file sent, its rows once read, the dry run's report, and what became of it."""

    class State(models.TextChoices):
        READING = "reading", gettext_lazy("Lecture en cours")
        READ = "read", gettext_lazy("Essai à blanc prêt")
        APPLYING = "applying", gettext_lazy("Import en cours")
        APPLIED = "applied", gettext_lazy("Importé")
        FAILED = "failed", gettext_lazy("Échec")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=gettext_lazy("envoyé par"),
    )
    created_at = models.DateTimeField(
        gettext_lazy("envoyé le"), default=timezone.now, db_index=True
    )
    updated_at = models.DateTimeField(gettext_lazy("mis à jour le"), default=timezone.now)
    state = models.CharField(
        gettext_lazy("état"),
        max_length=20,
        choices=State.choices,
        default=State.READING,
        db_index=True,
    )
    filename = models.CharField(gettext_lazy("fichier"), max_length=200)
    # The file until the worker reads it; then its rows, and the report shown.
    data = models.BinaryField(gettext_lazy("classeur"), null=True, blank=True, editable=False)
    rows = models.JSONField(gettext_lazy("lignes lues"), default=list, blank=True, editable=False)
    report = models.JSONField(gettext_lazy("essai à blanc"), null=True, blank=True, editable=False)
    fingerprint = models.CharField(gettext_lazy("empreinte de l'essai"), max_length=64, blank=True)
    # What the person reads on the page: the import's summary, or why it failed.
    message = models.TextField(gettext_lazy("message"), blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.filename} — {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_under_way(self) -> bool:
        return self.state in (self.State.READING, self.State.APPLYING)

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        return self.is_under_way and self.updated_at < (now or timezone.now()) - STALE_AFTER

    def file(self) -> tuple[io.BytesIO, int]:
        """The file kept, as the readers take it: a stream and its size."""
        data = bytes(self.data or b"")
        return io.BytesIO(data), len(data)


Job = TypeVar("Job", bound=UploadJob)


class TooManyUploads(Exception):
    """The person sent too many files in the last minute; the message says when to retry."""


def admit(model: type[UploadJob], owner: Any) -> None:
    """Refuse a file past ``UPLOADS_PER_MINUTE`` per person, and forget their old ones.

    Called inside the transaction that keeps the new file.
    """
    # Two uploads at once by the same person are counted one after the other.
    get_user_model().objects.select_for_update().filter(pk=owner.pk).first()
    now = timezone.now()
    # A file's rows and report weigh up to a few megabytes: kept while someone may
    # still read them, not for ever.
    model._default_manager.filter(owner=owner, created_at__lt=now - KEPT_FOR).delete()
    since = now - datetime.timedelta(minutes=1)
    recent = model._default_manager.filter(owner=owner, created_at__gte=since).count()
    if recent >= UPLOADS_PER_MINUTE:
        raise TooManyUploads(
            ngettext(
                "Vous avez envoyé %(count)s classeur dans la dernière minute : "
                "attendez une minute avant d'en envoyer un autre.",
                "Vous avez envoyé %(count)s classeurs dans la dernière minute : "
                "attendez une minute avant d'en envoyer un autre.",
                recent,
            )
            % {"count": recent}
        )


def keep(
    model: type[Job],
    *,
    owner: Any,
    filename: str,
    data: bytes,
    read: Callable[[int], Any],
    **fields: Any,
) -> Job:
    """Keep the file and queue its dry run (``read``, given the job's id).

    ``TooManyUploads`` past the rate per person.
    """
    with transaction.atomic():
        admit(model, owner)
        job = model._default_manager.create(
            owner=owner, filename=filename[:200], data=data, **fields
        )
        # Queued once the job is saved: the worker must find it.
        transaction.on_commit(lambda: read(job.pk))
    return job


def read_outcome(rows: Any, report: dict[str, Any], fingerprint: str) -> tuple[str, dict[str, Any]]:
    """A file read: its rows and the dry run's report kept, the file itself let go."""
    return UploadJob.State.READ, {
        "data": None,
        "rows": rows,
        "report": report,
        "fingerprint": fingerprint,
        "message": "",
    }


def plan_changed(
    report: dict[str, Any], fingerprint: str, message: str
) -> tuple[str, dict[str, Any]]:
    """An import refused because the data moved since the dry run: back to a dry run, the new
    one, which the person reads before importing."""
    return UploadJob.State.READ, {"report": report, "fingerprint": fingerprint, "message": message}


def finish(model: type[UploadJob], job_id: int, state: str, **values: Any) -> None:
    model._default_manager.filter(pk=job_id).update(
        state=state, updated_at=timezone.now(), **values
    )


def queue_apply(model: type[UploadJob], job_id: int, enqueue: Callable[[], Any]) -> Any:
    """Move a read job to its import and queue it; the job, or None if it was not read."""
    with transaction.atomic():
        job = model._default_manager.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != UploadJob.State.READ:
            return None
        finish(model, job_id, UploadJob.State.APPLYING, message="")
        # Queued once the job is saved: the worker must find it.
        transaction.on_commit(enqueue)
    return job


def run(
    model: type[UploadJob],
    job_id: int,
    *,
    step: str,
    work: Callable[[Any], tuple[str, dict[str, Any]]],
    refusals: tuple[type[Exception], ...],
    related: tuple[str, ...] = (),
) -> str:
    """One step of a job in ``step``: ``work`` gives the next state and what to keep.

    A refusal (one of ``refusals``, whose message is French) or the time limit
    fails the job with the reason; anything else too, then is raised again so
    that the task's result keeps the traceback. A job no longer in ``step``
    (a task run twice) is left as it is.
    """
    jobs = model._default_manager
    job = jobs.select_related(*related).filter(pk=job_id, state=step).first()
    if job is None:
        return jobs.filter(pk=job_id).values_list("state", flat=True).first() or ""
    try:
        with time_limit(settings.SPREADSHEET_TIME_LIMIT):
            state, values = work(job)
    except refusals as error:
        finish(model, job_id, UploadJob.State.FAILED, data=None, message=str(error))
        return UploadJob.State.FAILED
    except TimeLimitExceeded:
        logger.warning("upload_too_slow model=%s job=%s step=%s", model.__name__, job_id, step)
        message = _(
            "Le traitement du classeur a pris trop de temps et a été arrêté : rien n'a été "
            "modifié. Allégez le classeur ou importez-le en plusieurs fois."
        )
        finish(model, job_id, UploadJob.State.FAILED, data=None, message=message)
        return UploadJob.State.FAILED
    except Exception:
        logger.exception("upload_failed model=%s job=%s step=%s", model.__name__, job_id, step)
        finish(model, job_id, UploadJob.State.FAILED, data=None, message=str(UNEXPECTED))
        raise
    finish(model, job_id, state, **values)
    return state
