"""The working selection in a spreadsheet (/espace/<slug>/tableur/): export, dry run, import.

Members of the cooperative only (``@workspace_view``: anyone else gets a 404).
Exporting reads; importing changes the selection, so it asks an editable one
(``@workspace_view(editable=True)``: otherwise back to the dashboard with the
reason). A file sent is kept and read by the task worker
(``commitments.spreadsheet_jobs``), never in the request: the member follows
it on its own page, which refreshes itself until the dry run's report, or
the reason for a refusal, is there. The import is queued from that report,
by the member who sent the file, and followed on the same page.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import spreadsheet_import, spreadsheet_jobs, workflow
from commitments.models import TEXT_MAX, TITLE_MAX, SpreadsheetImport
from qualicoop.lib import upload_jobs

from .access import Workspace, refused, workspace_view

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Seconds between two refreshes of a job's page while the worker is on it.
REFRESH_SECONDS = 2


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Classeur rempli"),
        help_text=gettext_lazy("Le fichier .xlsx exporté depuis cette page, 2 Mo au plus."),
        error_messages={"required": gettext_lazy("Choisissez le classeur à importer.")},
    )

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        # Too big is told at once; everything else about the file, by the worker.
        if (upload.size or 0) > spreadsheet_import.MAX_BYTES:
            raise forms.ValidationError(_("Le fichier dépasse 2 Mo : il ne peut pas être importé."))
        return upload


def _page(request: HttpRequest, workspace: Workspace, **context: Any) -> HttpResponse:
    selection = workspace.selection
    editable = selection is not None and selection.is_editable
    if editable:
        context.setdefault("form", UploadForm())
    return render(
        request,
        "workspace/spreadsheet.html",
        {
            "workspace": workspace,
            "selection": selection,
            "editable": editable,
            "title_max": TITLE_MAX,
            "text_max": TEXT_MAX,
            "max_rows": spreadsheet_import.MAX_ROWS,
            "columns": spreadsheet_import.COLUMNS,
            **context,
        },
    )


@workspace_view()
def spreadsheet(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative: download the selection as a spreadsheet, send it back."""
    if workspace.selection is None:
        return refused(request, workspace, _("Commencez d'abord la sélection de la campagne."))
    return _page(request, workspace)


@workspace_view(guests=True)
def spreadsheet_export(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative: the working selection, one row per project (XLSX)."""
    selection = workspace.selection
    if selection is None:
        return refused(request, workspace, _("Commencez d'abord la sélection de la campagne."))
    response = HttpResponse(spreadsheet_import.workbook(selection), content_type=XLSX_TYPE)
    filename = f"quali-coop-{selection.campaign.slug}-{workspace.slug}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@workspace_view(editable=True)
def spreadsheet_import_view(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: send a file for a dry run.

    The file is only kept here; the worker reads it, and its page follows it.
    """
    if request.method != "POST":
        return _page(request, workspace)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        assert workspace.selection is not None
        try:
            job = spreadsheet_jobs.start(
                selection=workspace.selection,
                owner=request.user,
                filename=upload.name or "",
                data=upload.read(spreadsheet_import.MAX_BYTES + 1),
            )
        except upload_jobs.TooManyUploads as error:
            form.add_error("fichier", str(error))
        else:
            return redirect("workspace:spreadsheet_job", workspace.slug, job.pk)
    return _page(request, workspace, form=form)


def _job_or_404(request: HttpRequest, workspace: Workspace, pk: int) -> SpreadsheetImport:
    """A file this member sent for this cooperative's working selection; anything else a 404."""
    return get_object_or_404(
        SpreadsheetImport.objects.defer("data", "rows"),
        pk=pk,
        owner=request.user,
        selection=workspace.selection,
    )


@workspace_view()
def spreadsheet_job(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """The member who sent the file: how far the worker got, then the dry run or the import."""
    job = _job_or_404(request, workspace, pk)
    stale = job.is_stale()
    return _page(
        request,
        workspace,
        job=job,
        stale=stale,
        refresh=REFRESH_SECONDS if job.is_under_way and not stale else None,
        plan=spreadsheet_jobs.report_of(job) if job.state == SpreadsheetImport.State.READ else None,
        source=job.filename,
    )


@workspace_view(editable=True, post_only=True)
def spreadsheet_job_apply(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """The member who sent the file, while the selection is editable: queue its import."""
    job = _job_or_404(request, workspace, pk)
    try:
        spreadsheet_jobs.request_apply(job)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
    return redirect("workspace:spreadsheet_job", workspace.slug, job.pk)
