"""The cooperative workspace (/espace/): staff choose engagements, describe projects, submit.

Every view needs a logged-in user and resolves the cooperative through
``coops.access``: another cooperative's page or object is a 404, a role that
does not allow the action a 403. Edits go through ``commitments.editing``,
moves of the status through ``commitments.workflow``; the views only turn
their refusals into messages.
"""

from typing import NamedTuple

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count, F, Prefetch, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from commitments import cycles, editing, ownership, workflow
from commitments.models import (
    Campaign,
    Choice,
    Engagement,
    Project,
    Remark,
    Selection,
    Status,
)
from coops import access
from qualicoop.lib import french
from qualicoop.lib.public_cache import public_version

from . import owners
from .access import NO_CAMPAIGN, locked_refusal, posted, project_or_404, refused, workspace_view
from .forms import (
    EngagementsForm,
    MoveForm,
    ProjectCreateForm,
    ProjectEditForm,
    ReopeningRequestForm,
    StartForm,
    SubmitForm,
    WithdrawForm,
)

# How many published projects of other cooperatives the choice page shows per engagement.
INSPIRATION_PER_ENGAGEMENT = 3


def _chosen_or_404(workspace, number):
    """The working selection's choice of engagement ``number``; 404 if not chosen."""
    if workspace.selection is None:
        raise Http404
    return get_object_or_404(
        Choice.objects.select_related("engagement__pillar"),
        selection=workspace.selection,
        engagement__number=number,
    )


def _transitions(selection):
    """The selection's moves, newest first, each with its remarks."""
    return (
        selection.transitions.select_related("actor")
        .prefetch_related(
            Prefetch("remarks", queryset=Remark.objects.select_related("engagement__pillar"))
        )
        .order_by("-created_at", "-pk")
    )


def _open_request(selection, transitions):
    """The reviewers' latest request for changes, while staff are working on it."""
    if selection.status != Status.CHANGES_REQUESTED:
        return None
    return next((t for t in transitions if t.to_status == Status.CHANGES_REQUESTED), None)


@login_required
def home(request):
    """Any logged-in user: the cooperatives they work for.

    Straight to the cooperative when there is only one; reviewers who belong
    to none go to the federation's pages.
    """
    cooperatives = list(access.cooperatives_of(request.user).order_by("name"))
    if len(cooperatives) == 1:
        return redirect("workspace:dashboard", cooperatives[0].slug)
    if not cooperatives and access.is_reviewer(request.user):
        return redirect("federation:queue")
    campaign = Campaign.objects.current()
    latest = {}
    if campaign is not None and cooperatives:
        for selection in Selection.objects.filter(
            cooperative__in=cooperatives, campaign=campaign
        ).order_by("revision"):
            latest[selection.cooperative_id] = selection
    rows = [(cooperative, latest.get(cooperative.pk)) for cooperative in cooperatives]
    return render(request, "workspace/home.html", {"rows": rows, "campaign": campaign})


@workspace_view(guests=True)
def dashboard(request, workspace):
    """Members of the cooperative: where the selection stands and what to do next."""
    selection = workspace.selection
    context = {"workspace": workspace, "today": timezone.localdate()}
    published = Selection.objects.published_of(workspace.cooperative)
    context["published"] = published
    if selection is None:
        context["resumable"] = (
            cycles.last_cycle(workspace.cooperative) if workspace.campaign else None
        )
        return render(request, "workspace/dashboard.html", context)

    choices = list(
        selection.choices.select_related("engagement__pillar")
        .with_project_counts()
        .order_by("engagement__number")
    )
    transitions = list(_transitions(selection))
    open_request = _open_request(selection, transitions)
    remarked = (
        {remark.engagement_id for remark in open_request.remarks.all()} if open_request else set()
    )
    minimum = workspace.campaign.min_engagements
    ready = sum(1 for choice in choices if choice.described_count)
    context.update(
        {
            "selection": selection,
            "choices": choices,
            "remarked": remarked,
            "problems": workflow.missing_for_submission(selection, choices),
            "moves": workflow.moves_for(
                selection, user=request.user, membership=workspace.membership
            ),
            "transitions": transitions,
            "open_request": open_request,
            "minimum": minimum,
            "project_total": sum(choice.described_count for choice in choices),
            "ready_count": ready,
            "ready_goal": max(minimum, len(choices)),
        }
    )
    if selection.status == Status.VALIDATED:
        context.update(_reopening_context(selection))
    return render(request, "workspace/dashboard.html", context)


def _reopening_context(selection, form=None):
    """What the dashboard shows of reopening: the request in progress or the form to ask."""
    requests = list(selection.reopening_requests.select_related("decided_by")[:1])
    return {
        "last_reopening": requests[0] if requests else None,
        "reopening_refusal": workflow.reopening_refusal(selection),
        "reopening_form": form or ReopeningRequestForm(),
    }


@workspace_view(move="withdraw")
def withdraw(request, workspace):
    """Référents of the cooperative (403 for contributeurs): take a submission back.

    GET asks for confirmation; POST moves the selection back to draft.
    """
    selection = workspace.selection
    form = WithdrawForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.withdraw_selection(
                selection=selection, by=request.user, message=form.cleaned_data["message"]
            )
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(
            request,
            _("Sélection retirée : elle est de nouveau en brouillon, la fédération est prévenue."),
        )
        return redirect("workspace:dashboard", workspace.slug)
    return render(
        request,
        "workspace/withdraw.html",
        {"workspace": workspace, "selection": selection, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view(move="ask_reopening")
def ask_reopening(request, workspace):
    """Référents of the cooperative (403 for contributeurs): ask the federation to reopen.

    GET shows the form on its own page; POST sends the request.
    """
    selection = workspace.selection
    form = ReopeningRequestForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            workflow.request_reopening(
                selection=selection, by=request.user, message=form.cleaned_data["message"]
            )
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(
            request,
            _(
                "Demande de réouverture envoyée à la fédération : "
                "vous serez prévenus de sa réponse."
            ),
        )
        return redirect("workspace:dashboard", workspace.slug)
    return render(
        request,
        "workspace/ask_reopening.html",
        {"workspace": workspace, "selection": selection, **_reopening_context(selection, form)},
        status=400 if form.errors else 200,
    )


@workspace_view(post_only=True)
def start(request, workspace):
    """Members of the cooperative: open the current campaign's selection.

    Empty, or copied from the cooperative's last validated selection.
    """
    if workspace.campaign is None:
        return refused(request, workspace, NO_CAMPAIGN)
    form = StartForm(request.POST)
    resume = form.is_valid() and form.cleaned_data["resume"]
    copy_from = cycles.last_cycle(workspace.cooperative) if resume else None
    if resume and copy_from is None:
        return refused(request, workspace, _("La coopérative n'a pas encore de sélection validée."))
    try:
        workflow.start_selection(
            cooperative=workspace.cooperative,
            campaign=workspace.campaign,
            by=request.user,
            copy_from=copy_from,
        )
    except workflow.WorkflowError as error:
        return refused(request, workspace, error)
    if copy_from is not None:
        messages.success(
            request,
            _(
                "Votre sélection validée (%(campaign)s) a été reprise : "
                "mettez-la à jour puis soumettez-la."
            )
            % {"campaign": copy_from.campaign.name},
        )
        return redirect("workspace:dashboard", workspace.slug)
    messages.success(request, _("Sélection commencée : choisissez vos engagements."))
    return redirect("workspace:choose", workspace.slug)


def _inspiration(cooperative):
    """A few projects other cooperatives published, per engagement number.

    Published content changes rarely and the ranking reads every published
    project, so the result is cached until the next publication.
    """
    # "titles": the cached form (see _rank_inspiration), not read from a cache of the former one.
    key = f"inspiration:titles:{public_version()}:{cooperative.pk}"
    by_number = cache.get(key)
    if by_number is None:
        by_number = _rank_inspiration(cooperative)
        cache.set(key, by_number, 60 * 60)
    return by_number


class Inspiration(NamedTuple):
    """What the choice page shows of another cooperative's published project."""

    title: str
    cooperative: str


def _rank_inspiration(cooperative):
    """The first projects per engagement, in one query.

    Kept as plain titles and names: the cache hands back 36 of them on every
    visit of the choice page, and unpickling model instances with their related
    objects took a tenth of the page's time.
    """
    projects = (
        Project.objects.published()
        .exclude(choice__selection__cooperative=cooperative)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=F("choice__engagement_id"),
                # First projects of different cooperatives before a cooperative's second one.
                order_by=[
                    F("position").asc(),
                    F("choice__selection__cooperative__name").asc(),
                    F("pk").asc(),
                ],
            )
        )
        .filter(rank__lte=INSPIRATION_PER_ENGAGEMENT)
        .order_by("choice__engagement__number", "rank")
        .values_list("choice__engagement__number", "title", "choice__selection__cooperative__name")
    )
    by_number: dict[int, list[Inspiration]] = {}
    for number, title, cooperative_name in projects:
        by_number.setdefault(number, []).append(Inspiration(title, cooperative_name))
    return by_number


@workspace_view(editable=True)
def choose(request, workspace):
    """Members of the cooperative, while the selection is editable: tick the engagements.

    Unticking an engagement that has projects first shows which projects
    will be deleted, and asks again.
    """
    selection = workspace.selection
    # Engagement number -> how many projects unticking it would delete.
    chosen = dict(
        selection.choices.annotate(project_count=Count("projects")).values_list(
            "engagement__number", "project_count"
        )
    )
    if request.method == "POST":
        form = EngagementsForm(request.POST)
        if form.is_valid():
            engagements = list(form.cleaned_data["engagements"])
            lost = list(editing.projects_lost_by(selection, engagements))
            seen = ",".join(str(project.pk) for project in lost)
            confirmed = form.cleaned_data["confirm"] and form.cleaned_data["lost"] == seen
            if lost and not confirmed:
                return render(
                    request,
                    "workspace/choose_confirm.html",
                    {
                        "workspace": workspace,
                        "selection": selection,
                        "lost": lost,
                        "seen": seen,
                        "numbers": [engagement.number for engagement in engagements],
                        # The list changed since the user confirmed: say so.
                        "changed": form.cleaned_data["confirm"],
                    },
                )
            try:
                added, removed = editing.set_engagements(selection, engagements, request.user)
            except workflow.WorkflowError as error:
                return refused(request, workspace, error)
            messages.success(request, _saved_message(len(engagements), added, removed))
            return redirect("workspace:dashboard", workspace.slug)
    else:
        form = EngagementsForm(initial={"engagements": list(chosen)})
    engagements = list(Engagement.objects.select_related("pillar").order_by("number"))
    # Tampered values are reported by the form; only real engagements show as ticked.
    ticked = form.ticked_numbers() & {str(engagement.number) for engagement in engagements}
    inspiration = _inspiration(workspace.cooperative)
    rows = [
        {
            "engagement": engagement,
            "project_count": chosen.get(engagement.number, 0),
            "inspiration": inspiration.get(engagement.number, []),
        }
        for engagement in engagements
    ]
    return render(
        request,
        "workspace/choose.html",
        {
            "workspace": workspace,
            "selection": selection,
            "form": form,
            "rows": rows,
            "ticked": ticked,
            "ticked_count": len(ticked),
            "minimum": workspace.campaign.min_engagements,
        },
    )


def _saved_message(count, added, removed):
    message = ngettext(
        "Sélection enregistrée : %(count)s engagement choisi.",
        "Sélection enregistrée : %(count)s engagements choisis.",
        count,
    ) % {"count": count}
    if removed:
        message += " " + ngettext(
            "Engagement retiré : %(numbers)s.", "Engagements retirés : %(numbers)s.", len(removed)
        ) % {"numbers": ", ".join(str(number) for number in removed)}
    if added:
        message += " " + ngettext(
            "Engagement ajouté : %(numbers)s.", "Engagements ajoutés : %(numbers)s.", len(added)
        ) % {"numbers": ", ".join(str(number) for number in added)}
    return message


@workspace_view(guests=True)
def engagement(request, workspace, number):
    """Members of the cooperative: one chosen engagement, its remarks and its projects."""
    choice = _chosen_or_404(workspace, number)
    open_request = _open_request(workspace.selection, _transitions(workspace.selection))
    remarks = []
    if open_request is not None:
        remarks = [r for r in open_request.remarks.all() if r.engagement_id == choice.engagement_id]
    projects = list(
        owners.narrowed(choice.projects.all(), request)
        .order_by("position", "pk")
        .prefetch_related("indicator_set__measurements")
    )
    owners.mark_editable(projects, workspace)
    # Projects carried from the previous cycle get their "Reconduit / Modifié /
    # Abandonner…" controls.
    carried = cycles.carried_lineages(workspace.selection)
    for project in projects:
        project.is_carried = project.lineage in carried
    return render(
        request,
        "workspace/engagement.html",
        {
            "workspace": workspace,
            "selection": workspace.selection,
            "choice": choice,
            "engagement": choice.engagement,
            "projects": projects,
            # A locked engagement, or a guest, is offered no change: it would be refused.
            "editable": (
                workspace.selection.is_editable and not choice.is_locked and not workspace.read_only
            ),
            "mine_only": owners.mine_only(request),
            "reassign_owners": ownership.may_reassign(workspace.membership, workspace.selection),
            "open_request": open_request,
            "remarks": remarks,
            # Only a selection that carries projects can have dropped some.
            "dropped": list(
                workspace.selection.dropped_projects.filter(engagement=choice.engagement_id)
            )
            if carried
            else [],
        },
    )


@workspace_view(editable=True)
def project_create(request, workspace, number):
    """Members of the cooperative, while the selection is editable: add a project."""
    choice = _chosen_or_404(workspace, number)
    if locked := locked_refusal(request, workspace, choice):
        return locked
    form = ProjectCreateForm(
        posted(request),
        cooperative=workspace.cooperative,
        may_set_owners=True,
        # Whoever adds a project carries it, unless they name someone else.
        initial={"owner": str(request.user.pk)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            project, created = editing.create_project(
                choice,
                form.cleaned_data,
                key=form.cleaned_data["creation_key"],
                owners=(form.owners(), workspace.membership),
            )
        except editing.TooManyProjects as error:
            # Said on the form, which keeps what was typed.
            form.add_error(None, str(error))
        except ownership.OwnershipError as error:
            form.add_error(error.field, str(error))
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        else:
            if created:
                done = _("Projet « %(title)s » ajouté.")
            else:
                done = _(
                    "Le projet « %(title)s » était déjà ajouté : il n'a pas été créé deux fois."
                )
            messages.success(request, done % {"title": project.title})
            return redirect(_project_anchor(workspace, project, choice))
    return render(
        request,
        "workspace/project_form.html",
        {
            "workspace": workspace,
            "engagement": choice.engagement,
            "form": form,
            "fields": [(form[name], None) for name in form.Meta.fields],
        },
    )


def _project_anchor(workspace, project, choice):
    """The engagement page, scrolled to the project just changed."""
    url = reverse("workspace:engagement", args=[workspace.slug, choice.engagement.number])
    return f"{url}#projet-{project.pk}"


def _conflict_rows(form, typed, current):
    """Each field next to the value someone else saved meanwhile, for the conflict page."""
    rows = []
    for name in form.Meta.fields:
        saved = getattr(current, name)
        if name == "progress":
            shown = current.get_progress_display()
        elif name == "target_date" and saved:
            shown = french.long_date(saved)
        else:
            shown = saved
        rows.append((form[name], {"value": shown, "differs": typed.get(name) != saved}))
    return rows


@workspace_view(editable=True)
def project_edit(request, workspace, pk):
    """Members of the cooperative, while the selection is editable: edit a project.

    Saving carries the version the form was loaded with; if someone saved in
    between, both versions are shown and nothing is overwritten.
    """
    project = project_or_404(workspace, pk)
    if locked := locked_refusal(request, workspace, project.choice):
        return locked
    owners_settable = ownership.may_set_owners(workspace.membership, project)
    form = ProjectEditForm(
        posted(request),
        instance=project,
        cooperative=workspace.cooperative,
        may_set_owners=owners_settable,
    )
    fields = [(form[name], None) for name in form.Meta.fields]
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            saved = editing.update_project(
                project,
                form.cleaned_data,
                expected_version=form.cleaned_data["version"],
                owners=(form.owners(), workspace.membership),
            )
        except ownership.OwnershipError as error:
            form.add_error(error.field, str(error))
        except editing.StaleEdit as stale:
            conflict = stale.current
            # Keep what the user typed, but against the version now saved: saving
            # again is a deliberate choice to replace it.
            data = request.POST.copy()
            data["version"] = str(conflict.version)
            typed = form.cleaned_data
            form = ProjectEditForm(
                data,
                instance=project,
                cooperative=workspace.cooperative,
                may_set_owners=owners_settable,
            )
            fields = _conflict_rows(form, typed, conflict)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        else:
            messages.success(
                request, _("Projet « %(title)s » enregistré.") % {"title": saved.title}
            )
            return redirect(_project_anchor(workspace, saved, project.choice))
    return render(
        request,
        "workspace/project_form.html",
        {
            "workspace": workspace,
            "engagement": project.choice.engagement,
            "project": project,
            "form": form,
            "fields": fields,
            "conflict": conflict,
        },
        status=409 if conflict else 200,
    )


@workspace_view(editable=True)
def project_delete(request, workspace, pk):
    """Members of the cooperative, while the selection is editable: delete a project.

    GET asks for confirmation; only POST deletes.
    """
    project = project_or_404(workspace, pk)
    if request.method == "POST":
        try:
            editing.delete_project(project)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(request, _("Projet « %(title)s » supprimé.") % {"title": project.title})
        return redirect("workspace:engagement", workspace.slug, project.choice.engagement.number)
    return render(
        request,
        "workspace/project_delete.html",
        {"workspace": workspace, "project": project, "engagement": project.choice.engagement},
    )


@workspace_view(editable=True, post_only=True)
def project_move(request, workspace, pk):
    """Members of the cooperative, while the selection is editable: reorder a project."""
    project = project_or_404(workspace, pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(
            _("Déplacement inconnu : choisissez « monter » ou « descendre ».")
        )
    try:
        editing.move_project(project, form.cleaned_data["direction"])
    except workflow.WorkflowError as error:
        return refused(request, workspace, error)
    return redirect(_project_anchor(workspace, project, project.choice))


@workspace_view(editable=True, move="submit")
def submit(request, workspace):
    """Référents of the cooperative (403 for contributeurs): submit the selection.

    GET shows what is still missing and asks for confirmation; POST submits,
    or names each missing thing.
    """
    selection = workspace.selection
    form = SubmitForm(posted(request))
    incomplete = None
    if request.method == "POST" and form.is_valid():
        try:
            workflow.submit_selection(
                selection=selection, by=request.user, message=form.cleaned_data["message"]
            )
        except workflow.SubmissionIncomplete as error:
            incomplete = error.problems
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("workspace:dashboard", workspace.slug)
        else:
            messages.success(
                request,
                _(
                    "Sélection soumise à la fédération. Elle est en lecture seule "
                    "jusqu'à sa décision."
                ),
            )
            return redirect("workspace:dashboard", workspace.slug)
    return render(
        request,
        "workspace/submit.html",
        {
            "workspace": workspace,
            "selection": selection,
            "form": form,
            "problems": workflow.missing_for_submission(selection)
            if incomplete is None
            else incomplete,
            "incomplete": incomplete is not None,
        },
    )
