"""The workspace's lists of projects as their owners see them: "Mes projets".

The engagement page and "Suivi des projets" each name who carries every
project and may keep only the projects the member carries (``?mes-projets=1``),
with their own empty state. Who may edit which project is ``access.py``'s.

Once the selection is submitted or validated, nothing of a project changes but
who carries it: référents name other owners on a page of its own ("Porteurs du
projet"), through ``ownership.reassign``, which records the change in the
project's history.
"""

from collections.abc import Iterable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commitments import ownership
from commitments.models import Project, ProjectQuerySet

from .access import Workspace, may_edit, posted, workspace_view
from .forms import ProjectOwnersForm

MINE = "mes-projets"


def mine_only(request: HttpRequest) -> bool:
    """Whether the list keeps only the member's projects; any other value shows them all."""
    return request.GET.get(MINE) == "1"


def narrowed(projects: ProjectQuerySet, request: HttpRequest) -> ProjectQuerySet:
    """``projects`` with their owners, only the member's under "Mes projets"."""
    projects = projects.select_related("owner", "co_owner")
    return projects.owned_by(request.user) if mine_only(request) else projects


def mark_editable(projects: Iterable[Project], workspace: Workspace) -> None:
    """Each project says whether this member may edit it: the page offers no refused action."""
    for project in projects:
        project.may_edit = may_edit(workspace, project)  # type: ignore[attr-defined]


def _after_reassigning(workspace: Workspace, project: Project) -> str:
    """Back where the project is listed: its engagement (working selection), or the follow-up."""
    if project.choice.selection_id == getattr(workspace.selection, "pk", None):
        url = reverse(
            "workspace:engagement", args=[workspace.slug, project.choice.engagement.number]
        )
    else:
        url = reverse("workspace:follow_up", args=[workspace.slug])
    return f"{url}#projet-{project.pk}"


@workspace_view()
def project_owners(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Référents: the owners of a project of a submitted or validated selection, and nothing else.

    A project of a selection still being prepared is changed on its own form.
    """
    project = get_object_or_404(
        Project.objects.select_related(
            "choice__selection__cooperative", "choice__engagement__pillar", "owner", "co_owner"
        ),
        pk=pk,
        choice__selection__cooperative=workspace.cooperative,
    )
    selection = project.choice.selection
    if selection.is_editable:
        messages.info(
            request,
            _("La sélection est en préparation : changez les porteurs sur la fiche du projet."),
        )
        return redirect("workspace:project_edit", workspace.slug, project.pk)
    if not ownership.may_reassign(workspace.membership, selection):
        raise PermissionDenied(ownership.REFERENTS_REASSIGN)
    form = ProjectOwnersForm(posted(request), project=project)
    if request.method == "POST" and form.is_valid():
        try:
            ownership.reassign(project, form.owners(), by=workspace.membership)
        except ownership.OwnershipError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(
                request,
                _("Porteurs du projet « %(title)s » enregistrés.") % {"title": project.title},
            )
            return redirect(_after_reassigning(workspace, project))
    return render(
        request,
        "workspace/project_owners.html",
        {
            "workspace": workspace,
            "project": project,
            "engagement": project.choice.engagement,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
