"""The progress journal in the workspace: "Suivi des projets".

Members of the cooperative (contributors and référents) post dated updates on
the projects of their *published* selection, without reopening it; the
federation reads them before they are public (``commitments.progress``).
"""

from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from commitments import ownership, progress, workflow
from commitments.models import FollowUp, Indicator, ProgressUpdate, Project, UpdateState

from . import owners
from .access import Workspace, check_may_edit, posted, workspace_view
from .forms import ProgressUpdateForm


def _followed_project_or_404(workspace: Workspace, pk: int) -> Project:
    project = get_object_or_404(
        progress.followed_projects(workspace.cooperative).select_related(
            "choice__engagement__pillar", "choice__selection__campaign"
        ),
        pk=pk,
    )
    check_may_edit(workspace, project)
    return project


def _update_or_404(workspace: Workspace, pk: int) -> ProgressUpdate:
    """An update of this cooperative's projects; anyone else's is a 404."""
    update = get_object_or_404(
        ProgressUpdate.objects.select_related(
            "project__choice__engagement__pillar", "project__choice__selection__campaign"
        ).prefetch_related("measurements"),
        pk=pk,
        project__choice__selection__cooperative=workspace.cooperative,
    )
    check_may_edit(workspace, update.project)
    return update


def _indicators(project: Project) -> list[Indicator]:
    return list(project.indicator_set.all())


def _follow_up_url(workspace: Workspace, update: ProgressUpdate) -> str:
    url = reverse("workspace:follow_up", args=[workspace.slug])
    return f"{url}#projet-{update.project_id}"


def _done(request: HttpRequest, workspace: Workspace, update: ProgressUpdate) -> HttpResponse:
    if update.state == UpdateState.PUBLISHED:
        messages.success(request, _("Point d'étape publié : il est visible sur la page du projet."))
    elif update.state == UpdateState.SUBMITTED:
        messages.success(
            request,
            _("Point d'étape envoyé à la fédération : il sera public une fois relu."),
        )
    else:
        messages.success(request, _("Brouillon enregistré : il n'est visible que de votre équipe."))
    return redirect(
        f"{reverse('workspace:follow_up', args=[workspace.slug])}#projet-{update.project_id}"
    )


def _form_page(request, workspace, project, form, *, update=None, status=200):
    return render(
        request,
        "workspace/update_form.html",
        {
            "workspace": workspace,
            "project": project,
            "engagement": project.choice.engagement,
            "update": update,
            "form": form,
            "publishes_directly": project.choice.selection.campaign.publish_updates_directly,
            "history": list(update.history.select_related("history_user")[:20]) if update else [],
            "follow_up_crumb": True,
        },
        status=status,
    )


@workspace_view(guests=True)
def follow_up(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members: the validated projects, each with its updates, drafts included."""
    follow_up_campaign = FollowUp.objects.current()
    followed = (
        owners.narrowed(progress.followed_projects(workspace.cooperative), request)
        .with_stage()
        .select_related("choice__engagement__pillar", "choice__selection__campaign")
        .order_by("choice__engagement__number", "position", "pk")
    )
    if follow_up_campaign is not None:
        followed = followed.with_report_for(follow_up_campaign)
    projects = list(followed)
    owners.mark_editable(projects, workspace)
    # Updates follow the project across versions: read them by lineage.
    updates = ProgressUpdate.objects.filter(lineage__in=[p.lineage for p in projects]).order_by(
        "-happened_on", "-pk"
    )
    by_lineage: dict = {}
    for update in updates:
        by_lineage.setdefault(update.lineage, []).append(update)
    for project in projects:
        project.journal = by_lineage.get(project.lineage, [])
    engagements = [
        (engagement, list(rows))
        for engagement, rows in groupby(projects, key=lambda project: project.choice.engagement)
    ]
    missing = []
    if follow_up_campaign is not None:
        missing = [project for project in projects if not project.reported]
    return render(
        request,
        "workspace/follow_up.html",
        {
            "workspace": workspace,
            "engagements": engagements,
            "project_count": len(projects),
            "mine_only": owners.mine_only(request),
            # The followed projects are the published selection's: validated.
            "reassign_owners": bool(projects)
            and ownership.may_reassign(workspace.membership, projects[0].choice.selection),
            "follow_up": follow_up_campaign,
            "missing": missing,
        },
    )


@workspace_view()
def update_create(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members: a new update on a validated project, saved as a draft or sent at once."""
    project = _followed_project_or_404(workspace, pk)
    form = ProgressUpdateForm(
        posted(request),
        indicators=_indicators(project),
        initial={"happened_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            update = progress.create_update(
                project=project,
                data=form.update_data(),
                values=form.values(),
                by=request.user,
                submit="send" in request.POST,
            )
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, workspace, update)
    return _form_page(request, workspace, project, form, status=400 if form.errors else 200)


@workspace_view()
def update_edit(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members: change an update (a published one goes back to the reviewers)."""
    update = _update_or_404(workspace, pk)
    project = update.project
    form = ProgressUpdateForm(
        posted(request),
        indicators=_indicators(project),
        initial=ProgressUpdateForm.initial_for(update),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update = progress.edit_update(
                update,
                data=form.update_data(),
                values=form.values(),
                by=request.user,
                submit="send" in request.POST,
            )
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            return _done(request, workspace, update)
    return _form_page(
        request, workspace, project, form, update=update, status=400 if form.errors else 200
    )


@workspace_view(post_only=True)
def update_submit(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members: send a draft or a sent-back update to the federation."""
    update = _update_or_404(workspace, pk)
    try:
        update = progress.submit_update(update=update, by=request.user)
    except workflow.WorkflowError as error:
        messages.warning(request, str(error))
        return redirect("workspace:follow_up", workspace.slug)
    return _done(request, workspace, update)


@workspace_view()
def update_delete(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members: delete an update; GET asks for confirmation."""
    update = _update_or_404(workspace, pk)
    if request.method == "POST":
        try:
            progress.delete_update(update=update, by=request.user)
        except workflow.WorkflowError as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, _("Point d'étape supprimé."))
        return redirect(_follow_up_url(workspace, update))
    return render(
        request,
        "workspace/update_delete.html",
        {
            "workspace": workspace,
            "update": update,
            "project": update.project,
            "engagement": update.project.choice.engagement,
            "follow_up_crumb": True,
        },
    )
