"""Who may use each workspace view, declared on the view.

``@workspace_view`` resolves, once per request, the user's membership of the
cooperative in the URL (``coops.access``: anyone else gets a 404), the current
campaign and the working selection. ``move="submit"`` asks the role that the
state machine's table gives that move (a 403 otherwise); ``editable=True``
sends the user back to the dashboard with the reason when the selection cannot
be changed, and so does a move the selection's state does not allow (with the
move's own message, ``workflow.check_state``). The view receives the resolved
``Workspace``.

A guest (``coops.guests``) reads only the views declared ``guests=True``, and
only with GET: every other view, and every other method, is a 403 here, so
that no write view has to remember guests. Each page a guest is let into is
recorded for the référents.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commitments import editing, ownership, workflow
from commitments.models import Campaign, Choice, Project, Selection
from coops import access
from coops.guests import record_visit
from coops.models import Cooperative, Membership

NO_CAMPAIGN = gettext_lazy("Aucune campagne Quali'Coop n'est ouverte pour l'instant.")


@dataclass
class Workspace:
    """What every workspace page works on: whose, which campaign, which selection."""

    membership: Membership
    campaign: Campaign | None
    # The latest revision for the current campaign: the one staff work on.
    selection: Selection | None

    @property
    def cooperative(self) -> Cooperative:
        return self.membership.cooperative

    @property
    def slug(self) -> str:
        return self.membership.cooperative.slug

    @property
    def read_only(self) -> bool:
        """A guest's: pages offer no action (the access layer refuses them anyway)."""
        return self.membership.is_guest


def resolve(request: HttpRequest, slug: str) -> Workspace:
    membership = access.membership_or_404(request.user, slug)
    campaign = Campaign.objects.current()
    selection = None
    if campaign is not None:
        selection = Selection.objects.working_of(membership.cooperative, campaign)
        if selection is not None:
            # Already at hand: spares every page a query.
            selection.campaign = campaign
    return Workspace(membership, campaign, selection)


def editable_selection(workspace: Workspace) -> Selection:
    """The selection staff may change, or ``WorkflowError`` saying why not."""
    if workspace.campaign is None:
        raise workflow.WorkflowError(NO_CAMPAIGN)
    if workspace.selection is None:
        raise workflow.WorkflowError(
            _("Commencez d'abord la sélection de la campagne « %(campaign)s ».")
            % {"campaign": workspace.campaign.name}
        )
    editing.check_editable(workspace.selection)
    return workspace.selection


def posted(request: HttpRequest) -> QueryDict | None:
    """The data to bind a form to: an empty POST is still a POST."""
    return request.POST if request.method == "POST" else None


OWN_PROJECTS_ONLY = gettext_lazy(
    "Un référent de la coopérative vous a limité aux projets que vous portez : "
    "celui-ci est porté par quelqu'un d'autre."
)


def may_edit(workspace: Workspace, project: Project) -> bool:
    """Whether this member may change ``project``: pages offer no action it would refuse."""
    return ownership.may_edit(workspace.membership, project)


def check_may_edit(workspace: Workspace, project: Project) -> None:
    """A 403 for a contributor limited to their own projects, on anyone else's.

    Every view that changes a project or what hangs on it (indicators, values,
    evidence, progress updates) asks this, through ``project_or_404`` or on the
    project of the object it changes: the rule is ``ownership.may_edit``'s.
    """
    if not may_edit(workspace, project):
        raise PermissionDenied(OWN_PROJECTS_ONLY)


def project_or_404(workspace: Workspace, pk: int) -> Project:
    """A project of the working selection, to change; any other project id is a 404.

    A contributor limited to their own projects gets a 403 on another's.
    """
    if workspace.selection is None:
        raise Http404
    project = get_object_or_404(
        Project.objects.select_related("choice__engagement__pillar", "owner", "co_owner"),
        pk=pk,
        choice__selection=workspace.selection,
    )
    check_may_edit(workspace, project)
    return project


def locked_refusal(
    request: HttpRequest, workspace: Workspace, choice: Choice
) -> HttpResponse | None:
    """The engagement's page and why, instead of a form on an engagement the federation locked.

    After a partial send-back, nothing typed in such a form could be saved: the
    pages offer no link to it, and an address kept from before leads back here
    before anything is typed. None when the engagement is open.
    """
    if not choice.is_locked:
        return None
    number = choice.engagement.number
    messages.warning(request, str(editing.LOCKED_BY_FEDERATION % {"number": number}))
    return redirect("workspace:engagement", workspace.slug, number)


def refused(request: HttpRequest, workspace: Workspace, error: Exception) -> HttpResponse:
    """Back to the dashboard with the reason: a refused edit never passes silently."""
    messages.warning(request, str(error))
    return redirect("workspace:dashboard", workspace.slug)


GUESTS_READ_ONLY = gettext_lazy(
    "Vous êtes invité à consulter l'espace de la coopérative : vous ne pouvez rien y modifier."
)
# What reading is: the methods that change nothing.
READING_METHODS = ("GET", "HEAD")


def _let_guest_in(request: HttpRequest, workspace: Workspace, *, guests_read: bool) -> None:
    """A guest reads a page declared for guests, with GET (the visit recorded); else a 403."""
    if not workspace.membership.is_guest:
        return
    if not guests_read or request.method not in READING_METHODS:
        raise PermissionDenied(GUESTS_READ_ONLY)
    match = request.resolver_match
    record_visit(
        workspace.membership,
        page=match.view_name if match is not None else "",
        path=request.get_full_path(),
    )


# Why a member may not make a move, by the role the move asks for.
_ROLE_REFUSALS = {
    workflow.REFERENT: gettext_lazy(
        "Seul un référent de la coopérative peut soumettre la sélection, la retirer "
        "ou en demander la réouverture."
    ),
}


def workspace_view(
    *,
    editable: bool = False,
    move: str | None = None,
    post_only: bool = False,
    guests: bool = False,
) -> Callable:
    """Members of the cooperative ``slug`` only; see the module's docstring.

    ``post_only`` answers 405 to any other method before the membership is
    even looked up, as ``require_POST`` would. ``guests``: a guest reads this
    page (GET only).
    """

    if move is not None and workflow.MOVES[move].wrong_state is None:
        # Fail at import: the refusal of a wrong state would have no message.
        raise ValueError(f"The move {move!r} says nothing of a wrong state.")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            workspace = resolve(request, slug)
            _let_guest_in(request, workspace, guests_read=guests)
            if move is not None and not workflow.may_make(
                move, user=request.user, membership=workspace.membership
            ):
                raise PermissionDenied(_ROLE_REFUSALS[workflow.MOVES[move].by])
            if editable:
                try:
                    editable_selection(workspace)
                except workflow.WorkflowError as error:
                    return refused(request, workspace, error)
            if move is not None:
                try:
                    workflow.check_state(move, workspace.selection)
                except workflow.WorkflowError as error:
                    return refused(request, workspace, error)
            return view(request, workspace, *args, **kwargs)

        return login_required(require_POST(wrapper) if post_only else wrapper)

    return decorator
