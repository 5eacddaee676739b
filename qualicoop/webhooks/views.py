"""The webhooks' pages: a cooperative's (its référents) and the federation's (its administrators).

One set of views serves both areas, through ``Area``: whose endpoints, which
URL names, which navigation. Who may come in is written where each area says
it: ``@workspace_view`` and the référent's right for a cooperative (a
contributor gets a 403, another cooperative's staff a 404), ``@importer_required``
for the federation (anyone else: 404). Another owner's endpoint is a 404.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Prefetch, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops import access
from coops.models import Cooperative
from qualicoop.federation.access import importer_required
from qualicoop.workspace.access import Workspace, posted, workspace_view

from .forms import EndpointForm
from .models import Attempt, Delivery, Endpoint

DELIVERIES_PAGE_SIZE = 20
REFERENTS_ONLY = gettext_lazy("Seul un référent de la coopérative peut gérer ses webhooks.")


@dataclass(frozen=True)
class Area:
    """Whose endpoints a page shows, and where its links lead."""

    cooperative: Cooperative | None
    namespace: str
    workspace: Workspace | None = None

    def url(self, name: str, *more: Any) -> str:
        args = [self.cooperative.slug, *more] if self.cooperative else list(more)
        return reverse(f"{self.namespace}:{name}", args=args)

    def context(self, **more: Any) -> dict[str, Any]:
        return {
            "workspace": self.workspace,
            "active": "webhooks",
            "list_url": self.url("list"),
            **more,
        }


FEDERATION = Area(cooperative=None, namespace="webhooks:federation")


def _referents_area(workspace: Workspace) -> Area:
    if not access.may_manage_integrations(workspace.membership):
        raise PermissionDenied(REFERENTS_ONLY)
    return Area(workspace.cooperative, "webhooks:workspace", workspace)


def _endpoint_or_404(area: Area, pk: int) -> Endpoint:
    return get_object_or_404(Endpoint.objects.of_owner(area.cooperative), pk=pk)


def _list(request: HttpRequest, area: Area) -> HttpResponse:
    form = EndpointForm(posted(request), initial={"active": True})
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.cooperative = area.cooperative
        endpoint.created_by = request.user
        endpoint.save()
        # The one page that shows the secret: it is not a redirect's target,
        # so it is never shown again.
        return render(
            request,
            "webhooks/created.html",
            area.context(heading=_("Webhook ajouté"), endpoint=endpoint),
        )
    latest = Delivery.objects.filter(endpoint=OuterRef("pk")).order_by("-created_at", "-pk")
    endpoints = list(
        Endpoint.objects.of_owner(area.cooperative).annotate(
            last_state=Subquery(latest.values("state")[:1]),
            last_sent_at=Subquery(latest.values("created_at")[:1]),
        )
    )
    for endpoint in endpoints:
        endpoint.page_url = area.url("detail", endpoint.pk)  # type: ignore[attr-defined]
        last_state = endpoint.last_state
        endpoint.last_state_label = (  # type: ignore[attr-defined]
            Delivery.State(last_state).label if last_state else None
        )
    return render(
        request,
        "webhooks/list.html",
        area.context(heading=_("Webhooks"), endpoints=endpoints, form=form),
        status=400 if form.errors else 200,
    )


def _detail(request: HttpRequest, area: Area, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(area, pk)
    form = EndpointForm(posted(request), instance=endpoint)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Webhook enregistré."))
        return redirect(area.url("detail", endpoint.pk))
    deliveries = Paginator(
        # The bodies stay in the database: the page shows what happened to them.
        endpoint.deliveries.defer("payload").prefetch_related(
            Prefetch("attempt_set", queryset=Attempt.objects.order_by("at", "pk"))
        ),
        DELIVERIES_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "webhooks/detail.html",
        area.context(
            heading=_("Webhook"),
            endpoint=endpoint,
            form=form,
            page_obj=deliveries,
            delete_url=area.url("delete", endpoint.pk),
        ),
        status=400 if form.errors else 200,
    )


def _delete(request: HttpRequest, area: Area, pk: int) -> HttpResponse:
    endpoint = _endpoint_or_404(area, pk)
    if request.method == "POST":
        endpoint.delete()
        messages.success(request, _("Webhook supprimé, avec l'historique de ses envois."))
        return redirect(area.url("list"))
    return render(
        request,
        "webhooks/delete.html",
        area.context(
            heading=_("Supprimer le webhook"),
            endpoint=endpoint,
            detail_url=area.url("detail", endpoint.pk),
        ),
    )


@workspace_view()
def workspace_list(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    return _list(request, _referents_area(workspace))


@workspace_view()
def workspace_detail(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    return _detail(request, _referents_area(workspace), pk)


@workspace_view()
def workspace_delete(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    return _delete(request, _referents_area(workspace), pk)


@importer_required
def federation_list(request: HttpRequest) -> HttpResponse:
    return _list(request, FEDERATION)


@importer_required
def federation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, FEDERATION, pk)


@importer_required
def federation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    return _delete(request, FEDERATION, pk)
