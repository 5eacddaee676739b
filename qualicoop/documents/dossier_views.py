"""The dossier de révision: asked for, followed, downloaded.

* ``/espace/<slug>/dossier-de-revision/…`` — référents of the cooperative
  (``@workspace_view``: anyone else outside it a 404, a contributeur a 403);
* ``/federation/cooperatives/<slug>/dossier-de-revision/`` and
  ``/federation/dossiers/<pk>/`` — reviewers (``@reviewer_required``: anyone
  else a 404), for every cooperative.

A dossier is downloadable until it expires; after that, the page says so and
offers to make a new one.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops.access import may_manage_team
from coops.models import Cooperative
from qualicoop.federation.access import reviewer_required
from qualicoop.lib import file_store
from qualicoop.workspace.access import Workspace, workspace_view

from . import dossier
from .models import RevisionDossier

ZIP_TYPE = "application/zip"
DOSSIERS_SHOWN = 5
REFERENTS_ONLY = gettext_lazy(
    "Seul un référent de la coopérative peut demander son dossier de révision."
)
EXPIRED = gettext_lazy("Ce dossier de révision a expiré : demandez-en un nouveau.")


def _page(request, cooperative: Cooperative, *, template_area: str) -> HttpResponse:
    if request.method == "POST":
        _job, queued = dossier.request(cooperative, by=request.user)
        if queued:
            messages.success(
                request,
                _("Dossier demandé : il se prépare en arrière-plan, suivez-le ici."),
            )
        else:
            messages.info(request, _("Un dossier de révision est déjà en préparation."))
        return redirect(request.path)
    jobs = list(
        RevisionDossier.objects.filter(cooperative=cooperative).select_related("requested_by")[
            :DOSSIERS_SHOWN
        ]
    )
    return render(
        request,
        "documents/dossier_page.html",
        {
            "cooperative": cooperative,
            "area": template_area,
            "jobs": jobs,
            "current": dossier.under_way(cooperative),
            "now": timezone.now(),
        },
    )


def _download(request, job: RevisionDossier, page_url: str) -> HttpResponseBase:
    if job.state != RevisionDossier.State.READY:
        messages.warning(request, _("Ce dossier de révision n'est pas encore prêt."))
        return redirect(page_url)
    if job.is_expired():
        messages.warning(request, str(EXPIRED))
        return redirect(page_url)
    return file_store.serve(job.key, filename=dossier.filename(job), content_type=ZIP_TYPE)


def _referent(workspace: Workspace) -> None:
    if not may_manage_team(workspace.membership):
        raise PermissionDenied(REFERENTS_ONLY)


@workspace_view()
def workspace_dossier(request, workspace: Workspace):
    """Référents of the cooperative: its dossiers de révision, and a new one asked for."""
    _referent(workspace)
    return _page(request, workspace.cooperative, template_area="workspace")


@workspace_view()
def workspace_dossier_zip(request, workspace: Workspace, pk: int):
    """Référents of the cooperative: one of its dossiers, until it expires."""
    _referent(workspace)
    job = get_object_or_404(
        RevisionDossier.objects.select_related("cooperative"),
        pk=pk,
        cooperative=workspace.cooperative,
    )
    return _download(request, job, reverse("documents:workspace:dossier", args=[workspace.slug]))


@reviewer_required
def federation_dossier(request, slug: str):
    """Reviewers: a cooperative's dossiers de révision, and a new one asked for."""
    return _page(request, get_object_or_404(Cooperative, slug=slug), template_area="federation")


@reviewer_required
def federation_dossier_zip(request, pk: int):
    """Reviewers: any cooperative's dossier, until it expires."""
    job = get_object_or_404(RevisionDossier.objects.select_related("cooperative"), pk=pk)
    return _download(
        request, job, reverse("documents:federation:dossier", args=[job.cooperative.slug])
    )
