"""The workspace's lists of projects as their owners see them: "Mes projets".

The engagement page and "Suivi des projets" each name who carries every
project and may keep only the projects the member carries (``?mes-projets=1``),
with their own empty state. Who may edit which project is ``access.py``'s.
"""

from collections.abc import Iterable

from django.http import HttpRequest

from commitments.models import Project, ProjectQuerySet

from .access import Workspace, may_edit

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
