"""The *dossier de révision*: a cooperative's every cycle in one ZIP, for its statutory reviewer.

Asked by a référent or a reviewer, made by a task, kept in the file store for
``DOSSIER_KEPT_DAYS`` days. The ZIP holds:

* ``index.pdf`` — each cycle: its validation date, its engagements and projects,
  their indicators and latest values, the progress journal, and the list of
  evidence with the federation's answer on each;
* ``<campagne>/quali-coop.pdf`` — the cycle's validated PDF (``cooperative.py``);
* ``<campagne>/engagement-<n>/<projet>/…`` — every accepted evidence file.

Everything in it is the cooperative's own and its reviewers': the same people
may ask for it and download it.
"""

import datetime
import io
import logging
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import override

from commitments import cycles, evidence
from commitments.models import Evidence, EvidenceStatus, ProgressUpdate, Selection
from coops.models import Cooperative
from qualicoop.lib import file_store

from . import jobs
from .content import CooperativeContent, cooperative_content
from .cooperative import document_for
from .models import CooperativeDocument, RevisionDossier
from .rendering import render_html, to_pdf

logger = logging.getLogger("qualicoop.documents")

TEMPLATE = "documents/dossier_index.html"
PREFIX = "dossiers"


@dataclass(frozen=True)
class Cycle:
    selection: Selection
    content: CooperativeContent
    pdf: bytes | None

    @property
    def folder(self) -> str:
        return self.selection.campaign.slug


def _cycle(selection: Selection) -> Cycle:
    content = cooperative_content(selection)
    projects = [
        block.project
        for pillar in content.pillars
        for engagement in pillar.engagements
        for block in engagement.projects
    ]
    by_lineage: dict = {}
    for update in (
        ProgressUpdate.objects.published()
        .filter(lineage__in=[project.lineage for project in projects])
        .order_by("-happened_on", "-pk")
    ):
        by_lineage.setdefault(update.lineage, []).append(update)
    kept = CooperativeDocument.objects.filter(selection=selection).first() or document_for(
        selection
    )
    pieces = evidence.by_project(projects)
    for project in projects:
        # Read by the index's template: the published journal, newest first, and every piece.
        project.journal = by_lineage.get(project.lineage, [])  # type: ignore[attr-defined]
        project.pieces = pieces[project.pk]  # type: ignore[attr-defined]
    return Cycle(
        selection=selection,
        content=content,
        pdf=file_store.read(kept.key) if kept is not None else None,
    )


def pieces_of(project) -> list[Evidence]:
    return project.pieces


def _entry_name(piece: Evidence) -> str:
    # The display name was checked when uploaded; the id keeps two files of the same name apart.
    return f"{piece.pk}-{piece.original_name}"


def build(cooperative: Cooperative, *, step=lambda percent: None) -> bytes:
    """The ZIP of the cooperative's every cycle, as bytes."""
    timeline = cycles.timeline(cooperative)
    made = []
    for number, selection in enumerate(timeline, start=1):
        selection.cooperative = cooperative
        made.append(_cycle(selection))
        step(10 + 60 * number // max(len(timeline), 1))
    with override("fr"):
        index, _duration = to_pdf(
            render_html(
                TEMPLATE,
                {"cooperative": cooperative, "cycles": made, "today": timezone.localdate()},
            )
        )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("index.pdf", index)
        for cycle in made:
            if cycle.pdf is not None:
                archive.writestr(f"{cycle.folder}/quali-coop.pdf", cycle.pdf)
            for pillar in cycle.content.pillars:
                for engagement in pillar.engagements:
                    for block in engagement.projects:
                        folder = (
                            f"{cycle.folder}/engagement-{engagement.engagement.number}/"
                            f"{block.project.pk}-{slugify(block.project.title)[:60]}"
                        )
                        for piece in pieces_of(block.project):
                            if piece.status != EvidenceStatus.ACCEPTED:
                                continue
                            archive.writestr(
                                f"{folder}/{_entry_name(piece)}", file_store.read(piece.key)
                            )
    return buffer.getvalue()


def under_way(cooperative: Cooperative, now: datetime.datetime | None = None):
    """The cooperative's dossier being made, unless its worker was lost."""
    return jobs.under_way(RevisionDossier.objects.filter(cooperative=cooperative), now)


def request(cooperative: Cooperative, *, by) -> tuple[RevisionDossier, bool]:
    """A new dossier queued for ``cooperative``, or the one already being made (and False)."""
    from .tasks import make_dossier

    with transaction.atomic():
        # Two clicks at once: the cooperative's row lock makes the second find the first job.
        Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
        current = under_way(cooperative)
        if current is not None:
            return current, False
        job = RevisionDossier.objects.create(cooperative=cooperative, requested_by=by)
        transaction.on_commit(lambda: make_dossier.enqueue(job_id=job.pk))
    return job, True


def _make(job: RevisionDossier) -> dict:
    data = build(
        job.cooperative, step=lambda percent: jobs.progress(RevisionDossier, job.pk, percent)
    )
    return {
        "key": file_store.keep(f"{PREFIX}/{job.cooperative_id}", data, extension="zip"),
        "size": len(data),
        "expires_at": timezone.now() + datetime.timedelta(days=settings.DOSSIER_KEPT_DAYS),
    }


def run_job(job_id: int) -> str:
    """Make the job's ZIP and keep it; a job already taken by another worker is left to it."""
    return jobs.run(RevisionDossier, job_id, _make, related=("cooperative",))


def filename(job: RevisionDossier) -> str:
    stamp = timezone.localtime(job.finished_at or job.requested_at).strftime("%Y-%m-%d")
    return f"dossier-de-revision-{job.cooperative.slug}-{stamp}.zip"


def purge_expired(now: datetime.datetime | None = None) -> list[str]:
    """The ZIPs of expired dossiers, deleted from the file store; the rows stay as the record."""
    now = now or timezone.now()
    expired = list(
        RevisionDossier.objects.filter(expires_at__lte=now).exclude(key="").values_list("pk", "key")
    )
    for pk, key in expired:
        default_storage.delete(key)
        RevisionDossier.objects.filter(pk=pk).update(key="")
    return [key for _pk, key in expired]
