"""Bringing cooperatives in (/federation/import/): a dry run, then the import.

For federation administrators only — superusers, or those given the right to
add cooperatives; anyone else gets a 404, as on every federation page. The
file is read and compared by ``coops.importing``; the dry run's rows travel to
the import in a signed field, so that the import does what was read, and the
service checks that nothing moved in the database meanwhile.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops import access, importing

# How long a dry run may be applied: beyond it, the file is sent again.
PLAN_MAX_AGE = 60 * 60


def importer_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not access.may_import(request.user):
            raise Http404
        return view(request, *args, **kwargs)

    return login_required(wrapper)


class UploadForm(forms.Form):
    fichier = forms.FileField(
        label=gettext_lazy("Fichier des coopératives"),
        help_text=gettext_lazy("CSV (séparateur « ; » ou « , », UTF-8) ou XLSX, 2 Mo au plus."),
        error_messages={"required": gettext_lazy("Choisissez le fichier à importer.")},
    )


class ApplyForm(forms.Form):
    plan = forms.CharField(widget=forms.HiddenInput)


def _salt(user_pk: int) -> str:
    # A dry run is applied by the administrator who read it, nobody else.
    return f"qualicoop.federation.import:{user_pk}"


def signed_plan(user_pk: int, rows: list[importing.Row], plan: importing.Plan, source: str) -> str:
    """The dry run, signed for its reader: the import applies these rows and no others."""
    return signing.dumps(
        {"rows": importing.rows_to_data(rows), "fingerprint": plan.fingerprint(), "file": source},
        salt=_salt(user_pk),
        compress=True,
    )


def _report(
    request: HttpRequest, plan: importing.Plan, rows: list[importing.Row], source: str
) -> HttpResponse:
    """The dry run's report, and the button that imports exactly what it says."""
    signed = signed_plan(request.user.pk, rows, plan, source)
    return _page(request, plan=plan, source=source, apply_form=ApplyForm(initial={"plan": signed}))


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


@importer_required
def import_cooperatives(request: HttpRequest) -> HttpResponse:
    """Federation administrators (404 for anyone else): read a file, see the dry run, import.

    Sending the file only reports, line by line, what the import would do;
    the import itself is a second, deliberate step, done in one transaction.
    """
    if request.method != "POST":
        return _page(request)
    if "plan" in request.POST:
        return _apply(request)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["fichier"]
        source = upload.name[:200]
        try:
            rows = importing.read_table(upload.name, upload, upload.size)
        except importing.ImportFileError as error:
            form.add_error("fichier", str(error))
        else:
            return _report(request, importing.plan(rows), rows, source)
    return _page(request, form=form)


def _apply(request: HttpRequest) -> HttpResponse:
    form = ApplyForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature
        payload = signing.loads(
            form.cleaned_data["plan"], salt=_salt(request.user.pk), max_age=PLAN_MAX_AGE
        )
    except signing.BadSignature:
        messages.error(
            request,
            _("Cet essai à blanc a expiré ou n'est pas valable : envoyez de nouveau le fichier."),
        )
        return _page(request)
    rows = importing.rows_from_data(payload["rows"])
    try:
        plan = importing.apply(
            rows, expected=payload["fingerprint"], by=request.user, source=payload["file"]
        )
    except importing.PlanChanged as changed:
        messages.warning(request, str(changed))
        return _report(request, changed.plan, rows, payload["file"])
    except importing.ImportFileError as error:
        messages.error(request, str(error))
        return _page(request)
    messages.success(request, _("Import terminé : le rapport ci-dessous dit ce qui a été fait."))
    return _page(request, plan=plan, source=payload["file"], applied=True)
