"""The working selection in a spreadsheet (/espace/<slug>/tableur/): export, dry run, import.

Members of the cooperative only (``@workspace_view``: anyone else gets a 404).
Exporting reads; importing changes the selection, so it asks an editable one
(``@workspace_view(editable=True)``: otherwise back to the dashboard with the
reason). The file is read and compared by ``commitments.spreadsheet_import``;
the dry run's rows travel to the import in a signed field, for the member who
read it and this selection only, so that the import does what was read, and
the service checks that nothing moved in the selection meanwhile.
"""

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import spreadsheet_import, workflow
from commitments.models import TEXT_MAX, TITLE_MAX, Selection

from .access import Workspace, refused, workspace_view

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How long a dry run may be applied: beyond it, the file is sent again.
PLAN_MAX_AGE = 60 * 60
# The signed dry run comes back in a form: it must fit in what Django accepts
# of a request body, with room for the rest of the form.
PLAN_MAX_CHARS = (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 2_621_440) - 64 * 1024


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Classeur rempli"),
        help_text=gettext_lazy("Le fichier .xlsx exporté depuis cette page, 2 Mo au plus."),
        error_messages={"required": gettext_lazy("Choisissez le classeur à importer.")},
    )


class ApplyForm(forms.Form):
    plan = forms.CharField(widget=forms.HiddenInput)


def _salt(user_pk: int, selection_pk: int) -> str:
    # A dry run is applied by the member who read it, to the selection it was read against.
    return f"qualicoop.workspace.spreadsheet:{user_pk}:{selection_pk}"


def signed_plan(
    user_pk: int,
    selection: Selection,
    rows: list[spreadsheet_import.Row],
    plan: spreadsheet_import.Plan,
    source: str,
) -> str:
    """The dry run, signed for its reader: the import applies these rows and no others."""
    return signing.dumps(
        {
            "rows": spreadsheet_import.rows_to_data(rows),
            "fingerprint": plan.fingerprint(),
            "file": source,
        },
        salt=_salt(user_pk, selection.pk),
        compress=True,
    )


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


@workspace_view()
def spreadsheet_export(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative: the working selection, one row per project (XLSX)."""
    selection = workspace.selection
    if selection is None:
        return refused(request, workspace, _("Commencez d'abord la sélection de la campagne."))
    response = HttpResponse(spreadsheet_import.workbook(selection), content_type=XLSX_TYPE)
    filename = f"quali-coop-{selection.campaign.slug}-{workspace.slug}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _report(
    request: HttpRequest,
    workspace: Workspace,
    plan: spreadsheet_import.Plan,
    rows: list[spreadsheet_import.Row],
    source: str,
) -> HttpResponse:
    """The dry run's report, and the button that imports exactly what it says."""
    assert workspace.selection is not None
    signed = signed_plan(request.user.pk, workspace.selection, rows, plan, source)
    too_big = len(signed) > PLAN_MAX_CHARS
    return _page(
        request,
        workspace,
        plan=plan,
        source=source,
        too_big=too_big,
        apply_form=None if too_big else ApplyForm(initial={"plan": signed}),
    )


@workspace_view(editable=True)
def spreadsheet_import_view(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: dry run, then import.

    Sending the file only reports, row by row, what the import would do; the
    import is a second, deliberate step, done in one transaction.
    """
    if request.method != "POST":
        return _page(request, workspace)
    if "plan" in request.POST:
        return _apply(request, workspace)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        source = (upload.name or "")[:200]
        try:
            rows = spreadsheet_import.read_workbook(source, upload, upload.size or 0)
        except spreadsheet_import.ImportFileError as error:
            form.add_error("fichier", str(error))
        else:
            assert workspace.selection is not None
            return _report(
                request, workspace, spreadsheet_import.plan(workspace.selection, rows), rows, source
            )
    return _page(request, workspace, form=form)


def _apply(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    selection = workspace.selection
    assert selection is not None
    form = ApplyForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        payload = signing.loads(
            form.cleaned_data["plan"],
            salt=_salt(request.user.pk, selection.pk),
            max_age=PLAN_MAX_AGE,
        )
        rows = spreadsheet_import.rows_from_data(payload["rows"])
        expected, source = str(payload["fingerprint"]), str(payload["file"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        messages.error(
            request,
            _("Cet essai à blanc a expiré ou n'est pas valable : envoyez de nouveau le fichier."),
        )
        return _page(request, workspace)
    try:
        plan = spreadsheet_import.apply(selection, rows, expected=expected, by=request.user)
    except spreadsheet_import.PlanChanged as changed:
        messages.warning(request, str(changed))
        return _report(request, workspace, changed.plan, rows, source)
    except (spreadsheet_import.ImportFileError, workflow.WorkflowError) as error:
        messages.error(request, str(error))
        return _page(request, workspace)
    if plan.changes_anything:
        messages.success(request, spreadsheet_import.summary_message(plan))
    else:
        messages.info(request, _("Le fichier ne changeait rien : la sélection est inchangée."))
    return redirect("workspace:spreadsheet", workspace.slug)
