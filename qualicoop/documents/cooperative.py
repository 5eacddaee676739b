"""A cooperative's Quali'Coop PDF: made, kept per published version, and found again.

``refresh`` makes the PDF of a published selection from what it says now and
keeps it (``CooperativeDocument``); the task queue calls it when a selection
is published or a published update changes it, and the public download queues
it if it finds none. ``working_pdf`` makes the members' working document,
marked as such on every page, kept a while in the cache under its content's
digest; members ask for it (``request_working``) and the worker makes it
(``run_working``), like every PDF: never in a request.
"""

import datetime
import logging

from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from commitments.models import Selection
from coops.models import Cooperative
from qualicoop.lib import file_store
from qualicoop.lib.absolute_urls import absolute_url

from . import jobs
from .content import cooperative_content
from .models import CooperativeDocument, WorkingDocument
from .rendering import Rendered, render_html, to_pdf
from .tasks import make_cooperative_pdf, make_working_document

logger = logging.getLogger("qualicoop.documents")

TEMPLATE = "documents/cooperative.html"
# Where the published PDFs are kept in the file store, one folder per cooperative.
PREFIX = "documents/cooperatives"
# Where the working documents are kept, one folder per cooperative (the latest of each selection).
WORKING_PREFIX = "documents/working"
# A working document changes with every edit: kept long enough for the
# members reading it now, and found again only while its content is the same.
WORKING_TIMEOUT = 60 * 30
# A missing public PDF is queued once in this many seconds, however many ask for it.
QUEUED_FOR = 60


def _rendered(selection: Selection, *, draft: bool, today: datetime.date) -> Rendered:
    content = cooperative_content(selection, draft=draft)
    return render_html(
        TEMPLATE,
        {
            "content": content,
            "selection": selection,
            "cooperative": selection.cooperative,
            "campaign": selection.campaign,
            "draft": draft,
            # The day, not the time: the same content on the same day is the same
            # document, and a save that changed nothing printed makes no new PDF.
            "today": today,
            "profile_url": absolute_url(selection.cooperative.get_absolute_url())
            if not draft
            else "",
        },
    )


def refresh(selection_id: int) -> CooperativeDocument | None:
    """The PDF of the published selection ``selection_id``, made again if its content changed.

    A selection no longer published keeps the PDF it had (the record of what
    was public) and is not made again; nor is one never published.
    """
    selection = (
        Selection.objects.published()
        .select_related("cooperative", "campaign")
        .filter(pk=selection_id)
        .first()
    )
    if selection is None:
        return None
    as_of = timezone.now()
    rendered = _rendered(selection, draft=False, today=timezone.localdate(as_of))
    existing = CooperativeDocument.objects.filter(selection=selection).first()
    if existing is not None and existing.digest == rendered.digest:
        return existing
    pdf, duration = to_pdf(rendered)
    return _keep(selection, rendered.digest, pdf, duration, as_of)


def _keep(
    selection: Selection, digest: str, pdf: bytes, duration: float, as_of: datetime.datetime
) -> CooperativeDocument:
    """Store the PDF unless a PDF made from newer content got there first.

    The file is written first; the one no row keeps (the replaced one, or
    this one when it lost) is deleted once the outcome is committed.
    """
    key = file_store.keep(f"{PREFIX}/{selection.cooperative_id}", pdf, extension="pdf")
    values = {
        "key": key,
        "size": len(pdf),
        "digest": digest,
        "content_as_of": as_of,
        "generated_at": timezone.now(),
        "duration": duration,
    }
    try:
        with transaction.atomic():
            current = (
                CooperativeDocument.objects.select_for_update().filter(selection=selection).first()
            )
            if current is None:
                return CooperativeDocument.objects.create(selection=selection, **values)
            if current.content_as_of > as_of:
                transaction.on_commit(lambda: default_storage.delete(key))
                return current
            replaced = current.key
            for name, value in values.items():
                setattr(current, name, value)
            current.save()
            transaction.on_commit(lambda: default_storage.delete(replaced))
            return current
    except IntegrityError:
        # Two first PDFs of the same selection at once: the other one is kept.
        logger.info("pdf_race selection=%s", selection.pk)
        default_storage.delete(key)
        return CooperativeDocument.objects.get(selection=selection)


def document_for(selection: Selection) -> CooperativeDocument | None:
    """The PDF of the published ``selection``; None while the worker has yet to make it.

    None also when the selection is not published: no other selection ever
    has a public PDF made for it.
    """
    document = CooperativeDocument.objects.filter(selection=selection).first()
    if document is None and cache.add(f"documents:queued:{selection.pk}", True, QUEUED_FOR):
        # Published before the worker made its PDF (or while it was down):
        # queued once, not once per download, while the worker gets to it.
        make_cooperative_pdf.enqueue(selection_id=selection.pk)
        document = CooperativeDocument.objects.filter(selection=selection).first()
    return document


def document_of(cooperative: Cooperative) -> CooperativeDocument | None:
    """The PDF of the cooperative's published selection; None when nothing is published."""
    selection = Selection.objects.published_of(cooperative)
    return document_for(selection) if selection is not None else None


def working_pdf(selection: Selection) -> bytes:
    """The working document of ``selection``, "Document de travail — non validé" on every page."""
    rendered = _rendered(selection, draft=True, today=timezone.localdate())
    key = f"documents:working:{selection.pk}:{rendered.digest}"
    pdf = cache.get(key)
    if pdf is None:
        pdf, _duration = to_pdf(rendered)
        cache.set(key, pdf, WORKING_TIMEOUT)
    return bytes(pdf)


def working_under_way(selection: Selection) -> WorkingDocument | None:
    return jobs.under_way(WorkingDocument.objects.filter(selection=selection))


def latest_working(selection: Selection) -> WorkingDocument | None:
    return WorkingDocument.objects.filter(selection=selection).first()


def _delete(keys: list[str]) -> None:
    for key in keys:
        default_storage.delete(key)


def request_working(selection: Selection, by: User) -> WorkingDocument:
    """Queue the working document of ``selection``; one at a time, the latest one kept."""
    with transaction.atomic():
        # Two clicks at once: the selection's row lock makes the second find the first job.
        Selection.objects.select_for_update().filter(pk=selection.pk).first()
        current = working_under_way(selection)
        if current is not None:
            return current
        replaced = [
            key
            for key in WorkingDocument.objects.filter(selection=selection).values_list(
                "pdf_key", flat=True
            )
            if key
        ]
        WorkingDocument.objects.filter(selection=selection).delete()
        # The replaced files go once the new job is committed.
        transaction.on_commit(lambda: _delete(replaced))
        job = WorkingDocument.objects.create(selection=selection, requested_by=by)
        # Queued once the job is saved: the worker must find it.
        transaction.on_commit(lambda: make_working_document.enqueue(job_id=job.pk))
    return job


def run_working(job_id: int) -> str:
    """Make a working document's PDF (a task); its final state."""
    return jobs.run(
        WorkingDocument,
        job_id,
        lambda job: {
            "pdf_key": file_store.keep(
                f"{WORKING_PREFIX}/{job.selection.cooperative_id}",
                working_pdf(job.selection),
                extension="pdf",
            )
        },
        related=("selection__cooperative", "selection__campaign"),
    )


def filename(selection: Selection, *, draft: bool = False) -> str:
    suffix = "-document-de-travail" if draft else ""
    return f"quali-coop-{selection.campaign.slug}-{selection.cooperative.slug}{suffix}.pdf"
