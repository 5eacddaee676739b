"""Downloads of the documents: a cooperative's PDF, and the federation's synthesis.

* ``/cooperatives/<slug>/quali-coop.pdf`` — anyone: the PDF of the published
  selection, a 404 when nothing is published.
* ``/espace/<slug>/document.pdf`` and ``document-de-travail/`` — members of
  the cooperative (``@workspace_view``: anyone else a 404): the published PDF,
  and the working document of the selection they are preparing, asked for,
  made by the worker while its page follows it, then downloaded
  (``document-de-travail.pdf``).
* ``/federation/synthese/…`` — reviewers (``@reviewer_required``: anyone else a
  404): ask for a campaign's synthesis, follow it, download it.

The workspace and federation addresses sit in namespaces named after their
area, so that the area's rules (no browser stores them) hold for them too.
"""

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from commitments.models import Campaign, Selection, Status
from coops.models import Cooperative
from qualicoop.federation.access import reviewer_required
from qualicoop.federation.forms import CampaignFilterForm
from qualicoop.lib import file_store
from qualicoop.workspace.access import Workspace, refused, workspace_view

from . import cooperative as cooperative_documents
from . import synthesis as synthesis_documents
from .models import SynthesisJob, WorkingDocument
from .tasks import make_synthesis

PDF_TYPE = "application/pdf"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Ready syntheses kept on the page; older ones stay downloadable from the admin.
JOBS_SHOWN = 10
# Seconds between two refreshes of a page following a document being made, and
# before a reader asks again for a public PDF being made.
REFRESH_SECONDS = 3
PENDING_RETRY = 30


# --- The public -----------------------------------------------------------------------


def _pending(request: HttpRequest) -> HttpResponse:
    """The PDF is being made by the worker: asked again in a moment."""
    response = render(request, "documents/pdf_pending.html", status=503)
    response["Retry-After"] = str(PENDING_RETRY)
    return response


@require_safe
def cooperative_pdf(request: HttpRequest, slug: str) -> HttpResponseBase:
    """Anyone: the cooperative's Quali'Coop PDF, of its published selection only.

    Made in the background when the selection is published; queued here if
    the worker has not made it yet, and the reader asked to come back.
    """
    cooperative = get_object_or_404(Cooperative, slug=slug)
    selection = Selection.objects.published_of(cooperative)
    if selection is None:
        raise Http404
    document = cooperative_documents.document_for(selection)
    if document is None:
        return _pending(request)
    return file_store.serve(
        document.key, filename=cooperative_documents.filename(selection), content_type=PDF_TYPE
    )


# --- The workspace --------------------------------------------------------------------


@workspace_view(guests=True)
def workspace_pdf(request: HttpRequest, workspace: Workspace) -> HttpResponseBase:
    """Members of the cooperative: the PDF of its published selection, as the public gets it."""
    selection = Selection.objects.published_of(workspace.cooperative)
    if selection is None:
        return refused(
            request,
            workspace,
            _("La coopérative n'a pas encore de sélection validée : son PDF viendra avec elle."),
        )
    document = cooperative_documents.document_for(selection)
    if document is None:
        return refused(
            request,
            workspace,
            _("Le PDF de la sélection validée est en préparation : revenez dans une minute."),
        )
    return file_store.serve(
        document.key, filename=cooperative_documents.filename(selection), content_type=PDF_TYPE
    )


def _working_selection(request: HttpRequest, workspace: Workspace) -> Selection | HttpResponse:
    """The selection the working document is made of, or where to send the member instead."""
    selection = workspace.selection
    if selection is None:
        return refused(
            request, workspace, _("Commencez d'abord la sélection : le document la reprendra.")
        )
    if selection.status == Status.VALIDATED:
        # A validated selection has its own PDF.
        return redirect("documents:workspace:pdf", workspace.slug)
    selection.cooperative = workspace.cooperative
    return selection


def _is_current(job: WorkingDocument | None, selection: Selection) -> bool:
    """Ready, and asked for after the selection's last change."""
    return (
        job is not None
        and job.state == WorkingDocument.State.READY
        and job.requested_at >= selection.updated_at
    )


@workspace_view(guests=True)
def working(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative: ask for the working document, follow it, download it.

    The worker makes it; this page refreshes itself until it is ready or says
    why it could not be made.
    """
    selection = _working_selection(request, workspace)
    if isinstance(selection, HttpResponse):
        return selection
    if request.method == "POST":
        cooperative_documents.request_working(selection, request.user)
        return redirect("documents:workspace:working", workspace.slug)
    job = cooperative_documents.latest_working(selection)
    under_way = cooperative_documents.working_under_way(selection)
    return render(
        request,
        "documents/working_page.html",
        {
            "workspace": workspace,
            "selection": selection,
            "job": job,
            "under_way": under_way,
            "current": _is_current(job, selection),
            "refresh": REFRESH_SECONDS if under_way else None,
        },
    )


@workspace_view(guests=True)
@require_safe
def working_pdf(request: HttpRequest, workspace: Workspace) -> HttpResponseBase:
    """Members of the cooperative: the working document, "Document de travail — non validé".

    Served once the worker has made it from the selection as it is now;
    otherwise its page, to ask for it or follow it.
    """
    selection = _working_selection(request, workspace)
    if isinstance(selection, HttpResponse):
        return selection
    job = WorkingDocument.objects.filter(selection=selection).first()
    if job is None or not _is_current(job, selection) or not job.pdf_key:
        return redirect("documents:workspace:working", workspace.slug)
    return file_store.serve(
        job.pdf_key,
        filename=cooperative_documents.filename(selection, draft=True),
        content_type=PDF_TYPE,
    )


# --- The federation -------------------------------------------------------------------


class SynthesisRequestForm(forms.Form):
    campagne = forms.ModelChoiceField(
        queryset=Campaign.objects.all(),
        to_field_name="slug",
        error_messages={
            "required": gettext_lazy("Choisissez la campagne."),
            "invalid_choice": gettext_lazy("Cette campagne n'existe pas."),
        },
    )


def _campaign_of(request: HttpRequest) -> tuple[CampaignFilterForm, Campaign | None]:
    form = CampaignFilterForm(request.GET)
    campaign = form.cleaned_data["campagne"] if form.is_valid() else None
    return form, campaign or Campaign.objects.current()


@reviewer_required
def synthesis(request: HttpRequest) -> HttpResponse:
    """Reviewers only: a campaign's syntheses, the one being made with its progress, the button."""
    form, campaign = _campaign_of(request)
    jobs = []
    if campaign is not None:
        jobs = list(
            SynthesisJob.objects.filter(campaign=campaign)
            .select_related("requested_by")
            .order_by("-requested_at", "-pk")[:JOBS_SHOWN]
        )
    now = timezone.now()
    current = synthesis_documents.under_way(campaign, now) if campaign else None
    return render(
        request,
        "documents/synthesis_page.html",
        {
            "active": "synthesis",
            "form": form,
            "campaign": campaign,
            "jobs": jobs,
            "current": current,
            "stale_after": synthesis_documents.STALE_AFTER,
            "stale_before": now - synthesis_documents.STALE_AFTER,
        },
        status=400 if form.errors else 200,
    )


@reviewer_required
@require_POST
def synthesis_request(request: HttpRequest) -> HttpResponse:
    """Reviewers only: queue a campaign's synthesis (one at a time per campaign)."""
    form = SynthesisRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["campagne"]))
        return redirect("documents:federation:synthesis")
    campaign = form.cleaned_data["campagne"]
    page = reverse("documents:federation:synthesis") + f"?campagne={campaign.slug}"
    with transaction.atomic():
        # Two clicks at once: the campaign's row lock makes the second one find the first job.
        Campaign.objects.select_for_update().filter(pk=campaign.pk).first()
        if synthesis_documents.under_way(campaign) is not None:
            messages.info(request, _("Une synthèse de cette campagne est déjà en préparation."))
            return redirect(page)
        job = SynthesisJob.objects.create(campaign=campaign, requested_by=request.user)
        # Queued once the job is saved: the worker must find it.
        transaction.on_commit(lambda: make_synthesis.enqueue(job_id=job.pk))
    messages.success(
        request,
        _("Synthèse demandée : elle se prépare en arrière-plan, cette page suit son avancement."),
    )
    return redirect(page)


def _ready_job(pk: int) -> SynthesisJob:
    return get_object_or_404(
        SynthesisJob.objects.select_related("campaign"), pk=pk, state=SynthesisJob.State.READY
    )


@reviewer_required
@require_safe
def synthesis_pdf(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Reviewers only: a ready synthesis, as PDF."""
    job = _ready_job(pk)
    return file_store.serve(
        job.pdf_key, filename=_synthesis_filename(job, "pdf"), content_type=PDF_TYPE
    )


@reviewer_required
@require_safe
def synthesis_xlsx(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Reviewers only: a ready synthesis, as a spreadsheet (one sheet per table)."""
    job = _ready_job(pk)
    return file_store.serve(
        job.xlsx_key, filename=_synthesis_filename(job, "xlsx"), content_type=XLSX_TYPE
    )


def _synthesis_filename(job: SynthesisJob, extension: str) -> str:
    stamp = timezone.localtime(job.finished_at or job.requested_at).strftime("%Y-%m-%d")
    return f"quali-coop-synthese-{job.campaign.slug}-{stamp}.{extension}"
