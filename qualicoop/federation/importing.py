"""Bringing cooperatives in (/federation/import/): a dry run, then the import.

For federation administrators only — superusers, or those given the right to
add cooperatives; anyone else gets a 404, as on every federation page. A file
sent is kept and read by the task worker (``coops.import_jobs``), never in the
request: the administrator follows it on its own page, which refreshes itself
until the dry run's report, or the reason for a refusal, is there. The import
is queued from that report, by the one who sent the file, and followed there.
"""

import io
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST
from openpyxl import Workbook

import qualicoop.lib.upload_jobs as upload_jobs
from coops import import_jobs, importing
from coops.models import CooperativeImport
from qualicoop.lib import spreadsheets

from .access import importer_required

# Seconds between two refreshes of a job's page while the worker is on it.
REFRESH_SECONDS = 2
# The template's CSV is written as a French spreadsheet reads it: ";" and a BOM.
TEMPLATE_DELIMITER = ";"


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Fichier des coopératives"),
        help_text=gettext_lazy("CSV (séparateur « ; » ou « , », UTF-8) ou XLSX, 2 Mo au plus."),
        error_messages={"required": gettext_lazy("Choisissez le fichier à importer.")},
    )

    def clean_fichier(self) -> Any:
        upload = self.cleaned_data["fichier"]
        # Said at once, next to the field: what the name and the size tell. The
        # rest of the file is read by the worker.
        name = (upload.name or "").lower()
        if (upload.size or 0) > importing.MAX_BYTES:
            raise forms.ValidationError(
                _("Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers.")
            )
        if name.endswith(importing.MACRO_SUFFIXES):
            raise forms.ValidationError(
                _("Les classeurs avec macros (.xlsm) sont refusés : enregistrez-le en .xlsx.")
            )
        if not name.endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Envoyez un fichier .csv ou .xlsx."))
        return upload


def _page(request: HttpRequest, **context: Any) -> HttpResponse:
    context.setdefault("form", UploadForm())
    return render(
        request,
        "federation/import.html",
        {
            "active": "import",
            "columns": importing.COLUMNS,
            "max_rows": importing.MAX_ROWS,
            **context,
        },
    )


def _template_xlsx() -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=str(_("Coopératives")))
    sheet.append(spreadsheets.xlsx_row(sheet, list(importing.COLUMNS)))
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@importer_required
@require_GET
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    """Federation administrators: an empty file with the columns the import reads, to fill in.

    Its headings are ``importing.COLUMNS``, those the page lists: a file made
    from it needs no renaming.
    """
    filename = f"modele-import-cooperatives.{kind}"
    response: HttpResponse
    if kind == "xlsx":
        response = HttpResponse(
            _template_xlsx(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = StreamingHttpResponse(
            spreadsheets.csv_lines(
                [list(importing.COLUMNS)], delimiter=TEMPLATE_DELIMITER, bom=True
            ),
            content_type="text/csv; charset=utf-8",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@importer_required
def import_cooperatives(request: HttpRequest) -> HttpResponse:
    """Federation administrators (404 for anyone else): send a file for a dry run.

    The file is only kept here; the worker reads it, and its page follows it.
    """
    if request.method != "POST":
        return _page(request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        try:
            job = import_jobs.start(
                owner=request.user,
                filename=upload.name or "",
                data=upload.read(importing.MAX_BYTES + 1),
            )
        except upload_jobs.TooManyUploads as error:
            form.add_error("fichier", str(error))
        else:
            return redirect("federation:import_job", job.pk)
    return _page(request, form=form)


def _job_or_404(request: HttpRequest, pk: int) -> CooperativeImport:
    """A file this administrator sent; anyone else's is a 404."""
    return get_object_or_404(
        CooperativeImport.objects.defer("data", "rows"), pk=pk, owner=request.user
    )


@importer_required
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator who sent the file: how far the worker got, the dry run, the import."""
    job = _job_or_404(request, pk)
    stale = job.is_stale()
    return _page(
        request,
        job=job,
        stale=stale,
        refresh=REFRESH_SECONDS if job.is_under_way and not stale else None,
        plan=import_jobs.report_of(job)
        if job.state in (CooperativeImport.State.READ, CooperativeImport.State.APPLIED)
        else None,
        applied=job.state == CooperativeImport.State.APPLIED,
        source=job.filename,
    )


@importer_required
@require_POST
def import_job_apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The administrator who sent the file: queue its import."""
    job = _job_or_404(request, pk)
    try:
        import_jobs.request_apply(job)
    except import_jobs.NotToApply as error:
        messages.error(request, str(error))
    return redirect("federation:import_job", job.pk)
