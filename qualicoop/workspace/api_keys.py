"""The cooperative's API keys, "Clés d'API" (/espace/<slug>/cles-api/): référents only.

A référent creates a key for a partner's tool (a name, its scopes, an expiry
within a year) and sees it once; the list keeps what each key is and when it
was last used; a key is revoked after a confirmation. Contributeurs get a 403:
a key acts in its creator's name, with a référent's reach. The rules are
``coops.api_keys``'s; the API that reads the keys is ``qualicoop.api.keys``.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops import access, api_keys
from coops.models import ApiKey

from .access import Workspace, posted, workspace_view

KEYS_PAGE_SIZE = 20


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Nom de la clé"),
        max_length=100,
        help_text=gettext_lazy(
            "Obligatoire. Pour qui ou quel outil, par exemple « Réviseur 2026 »."
        ),
        error_messages={"required": gettext_lazy("Nommez la clé.")},
    )
    may_read = forms.BooleanField(
        label=gettext_lazy("Lire"),
        required=False,
        help_text=gettext_lazy("La sélection en cours, brouillons compris, et ses valeurs."),
    )
    may_write = forms.BooleanField(
        label=gettext_lazy("Écrire les valeurs"),
        required=False,
        help_text=gettext_lazy("Ajouter des valeurs mesurées et des brouillons de points d'étape."),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("Date d'expiration"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=gettext_lazy("Obligatoire. Dans un an au plus."),
        error_messages={
            "required": gettext_lazy("Choisissez une date d'expiration."),
            "invalid": gettext_lazy("Saisissez une date, par exemple 31/12/2026."),
        },
    )

    def clean_expires_on(self) -> datetime.date:
        expires_on = self.cleaned_data["expires_on"]
        today = timezone.localdate()
        if expires_on < today:
            raise forms.ValidationError(_("Une clé ne peut pas expirer dans le passé."))
        if expires_on > api_keys.latest_expiry(today):
            raise forms.ValidationError(_("Une clé expire dans un an au plus."))
        return expires_on

    def clean(self):
        cleaned = super().clean() or {}
        if not (cleaned.get("may_read") or cleaned.get("may_write")):
            self.add_error("may_read", _("Choisissez au moins une portée."))
        return cleaned


def _require_referent(workspace: Workspace) -> None:
    if not access.may_manage_integrations(workspace.membership):
        raise PermissionDenied(_("Seul un référent de la coopérative gère ses clés d'API."))


@workspace_view()
def api_keys_page(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Référents: the keys, and a new one (shown once, on the page that answers the form)."""
    _require_referent(workspace)
    form = ApiKeyForm(
        posted(request),
        initial={"expires_on": timezone.localdate() + api_keys.DEFAULT_LIFETIME},
    )
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            key, text = api_keys.create_key(
                cooperative=workspace.cooperative, by=workspace.membership.user, **form.cleaned_data
            )
        except api_keys.ApiKeyError as error:
            form.add_error(None, str(error))
        else:
            created = {"key": key, "text": text}
            form = ApiKeyForm(initial=form.initial)
    keys = Paginator(ApiKey.objects.of(workspace.cooperative), KEYS_PAGE_SIZE)
    return render(
        request,
        "workspace/api_keys.html",
        {
            "workspace": workspace,
            "form": form,
            "created": created,
            "page_obj": keys.get_page(request.GET.get("page")),
            "today": timezone.localdate(),
        },
        status=400 if form.errors else 200,
    )


@workspace_view()
def api_key_revoke(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: revoke a key. GET asks for confirmation; only POST revokes."""
    _require_referent(workspace)
    key = get_object_or_404(ApiKey.objects.of(workspace.cooperative), pk=pk)
    if request.method == "POST":
        api_keys.revoke_key(key)
        messages.success(
            request,
            _("La clé « %(name)s » est révoquée : elle ne fonctionne plus.") % {"name": key.name},
        )
        return redirect("workspace:api_keys", workspace.slug)
    return render(request, "workspace/api_key_revoke.html", {"workspace": workspace, "key": key})
