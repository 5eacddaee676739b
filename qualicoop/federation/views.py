"""The federation's pages: review queue, review, decisions, dashboard, exports.

Every view is for reviewers only (``commitments.review_selection``, given by
the "Fédération" group): anonymous visitors are sent to the login page, and
anyone else — cooperative staff included — gets a 404, so that these pages do
not even reveal that they exist.
"""

from dataclasses import dataclass, field

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from commitments import checks, cycles, evidence, notifications, workflow
from commitments.diff import edit_history, published_diff, since_decision_diff
from commitments.models import (
    Campaign,
    Engagement,
    Indicator,
    Project,
    Remark,
    ReopeningRequest,
    ReviewDraft,
    Selection,
    Status,
)
from coops.models import Cooperative

from . import coverage, exports
from .access import reviewer_required
from .forms import (
    NOT_STARTED,
    STATUS_SLUGS,
    AcceptReopeningForm,
    CampaignFilterForm,
    DeclineReopeningForm,
    InternalNoteForm,
    QueueFilterForm,
    ReopenForm,
    ReviewDraftForm,
    ReviewForm,
)

PAGE_SIZE = 25
PREVIEW_SIZE = 10
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request, form_class):
    """The bound filter form and the campaign it designates (default: the current one).

    An invalid value is shown next to its field and ignored; the page then
    answers 400 so that the bad link is not mistaken for a good one.
    """
    data = request.GET.copy()
    current = Campaign.objects.current()
    if not data.get("campagne") and current is not None:
        data["campagne"] = current.slug
    form = form_class(data)
    form.is_valid()
    return form, form.cleaned_data.get("campagne") or current


def _days_left(campaign):
    """Days until the campaign closes (negative once closed), for the deadline line."""
    return (campaign.closes_on - timezone.localdate()).days if campaign else None


def _current_query_with(request, key, value):
    """The page's query string with one parameter changed: filters survive the link."""
    query = request.GET.copy()
    query[key] = value
    return f"?{query.urlencode()}"


@dataclass
class QueueGroup:
    slug: str
    title: str
    status: str | None
    count: int
    rows: list = field(default_factory=list)
    # Set when the group is shown alone (filtered on its status): it pages through.
    page: Page | None = None
    previous_url: str = ""
    next_url: str = ""
    # Set when the overview shows only the group's first rows: the link to all of them.
    all_url: str = ""

    def preview(self, request, queryset):
        """The overview shows each group's first rows and links to the rest.

        With thousands of cooperatives a long group is worked through on its
        own page; rendering 25 rows of each group every time made the queue
        the slowest page of the site.
        """
        self.rows = list(queryset[:PREVIEW_SIZE])
        if self.count > len(self.rows):
            self.all_url = _current_query_with(request, "statut", self.slug)

    def paginate(self, request, queryset):
        """Page through the group; each group has its own page number in the URL."""
        param = f"page-{self.slug}"
        paginator = Paginator(queryset, PAGE_SIZE)
        # Already counted with the other groups: spares a COUNT query.
        paginator.count = self.count
        self.page = paginator.get_page(request.GET.get(param))
        self.rows = list(self.page.object_list)
        if self.page.has_previous():
            self.previous_url = _current_query_with(
                request, param, self.page.previous_page_number()
            )
        if self.page.has_next():
            self.next_url = _current_query_with(request, param, self.page.next_page_number())

    def fill(self, request, queryset, shown):
        """Rows for the overview (nothing filtered) or for the group's own page."""
        if self.count and shown == self.slug:
            self.paginate(request, queryset)
        elif self.count and not shown:
            self.preview(request, queryset)


# The queue's groups, in the order a reviewer works through them.
QUEUE_GROUPS = [
    ("soumise", _("Soumises"), ("submitted_at", "pk")),
    ("modifications-demandees", _("Modifications demandées"), ("cooperative__name", "revision")),
    ("brouillon", _("Brouillons"), ("cooperative__name", "revision")),
    ("validee", _("Validées"), ("cooperative__name", "revision")),
]


@reviewer_required
def queue(request):
    """Reviewers only: a campaign's selections grouped by status, oldest submission first."""
    form, campaign = _filters(request, QueueFilterForm)
    groups = []
    if campaign is not None:
        shown = form.cleaned_data.get("statut")
        search = form.cleaned_data.get("q")
        selections = Selection.objects.filter(campaign=campaign).select_related("cooperative")
        not_started = Cooperative.objects.exclude(selections__campaign=campaign).order_by("name")
        if search:
            selections = selections.filter(cooperative__name__icontains=search)
            not_started = not_started.filter(name__icontains=search)
        counts = dict(
            selections.order_by()
            .values_list("status")
            .annotate(count=Count("pk"))
            .values_list("status", "count")
        )
        for slug, title, ordering in QUEUE_GROUPS:
            status = STATUS_SLUGS[slug]
            group = QueueGroup(slug, title, status, counts.get(status, 0))
            group.fill(request, selections.filter(status=status).order_by(*ordering), shown)
            groups.append(group)
        _add_counts([row for group in groups for row in group.rows])
        group = QueueGroup(NOT_STARTED, _("Coopératives sans sélection"), None, not_started.count())
        group.fill(request, not_started, shown)
        groups.append(group)
    # Requests wait on the reviewers whatever the campaign: they are few and urgent.
    reopening_requests = list(
        ReopeningRequest.objects.filter(state=ReopeningRequest.State.PENDING)
        .select_related("selection__cooperative", "selection__campaign", "requested_by")
        .order_by("created_at", "pk")[:PAGE_SIZE]
    )
    return render(
        request,
        "federation/queue.html",
        {
            "form": form,
            "campaign": campaign,
            "groups": groups,
            "days_left": _days_left(campaign),
            "reopening_requests": reopening_requests,
        },
        status=400 if form.errors else 200,
    )


def _add_counts(selections):
    """Engagement and project counts of the selections shown, in one query.

    Counting after paginating keeps the aggregate to one page of rows instead
    of every selection of the campaign.
    """
    counts = {
        row["pk"]: row
        for row in Selection.objects.filter(pk__in=[selection.pk for selection in selections])
        .values("pk")
        .annotate(
            engagements=Count("choices", distinct=True),
            projects=Count("choices__projects", distinct=True),
        )
    }
    for selection in selections:
        selection.engagements_count = counts[selection.pk]["engagements"]
        selection.projects_count = counts[selection.pk]["projects"]


def _selection_or_404(pk):
    return get_object_or_404(Selection.objects.select_related("cooperative", "campaign"), pk=pk)


def _draft_initial(draft, engagements):
    """A saved review as the decision form's initial values."""
    initial = {"decision": draft.decision, "message": draft.message}
    for engagement in engagements:
        text = (draft.remarks or {}).get(str(engagement.number))
        if text:
            initial[ReviewForm.remark_name(engagement)] = text
    return initial


def _sent_back_numbers(form, draft):
    """Which engagements the page shows ticked as sent back."""
    if form is not None and form.is_bound:
        return {str(number) for number in form.data.getlist(ReviewForm.SENT_BACK)}
    if draft is not None:
        return {number for number, text in (draft.remarks or {}).items() if text}
    return set()


def _render_review(request, selection, *, form=None, status=200, note_form=None):
    # Each project with its indicators, their latest public value and their catalogue
    # entry, and the indicators' values the reviewer's checks read.
    indicators = Prefetch(
        "indicator_set",
        queryset=Indicator.objects.with_latest_public_value().select_related("catalogue"),
    )
    choices = list(
        selection.choices.select_related("engagement__pillar").prefetch_related(
            Prefetch(
                "projects",
                queryset=Project.objects.prefetch_related(
                    indicators, "indicator_set__measurements"
                ),
            )
        )
    )
    for choice in choices:
        for project in choice.projects.all():
            # What a reviewer may want to check; it never blocks a decision.
            project.flagged = [  # type: ignore[attr-defined]
                (indicator, flags)
                for indicator in project.indicator_set.all()
                if (flags := checks.review_flags(indicator))
            ]
    moves = workflow.moves_for(selection, user=request.user)
    decidable = {"validate", "request_changes"} <= moves
    draft = ReviewDraft.objects.filter(selection=selection, reviewer=request.user).first()
    if form is None and decidable:
        engagements_chosen = [choice.engagement for choice in choices]
        form = ReviewForm(
            engagements=engagements_chosen,
            initial=_draft_initial(draft, engagements_chosen) if draft else None,
        )
    sent_back = _sent_back_numbers(form, draft) if decidable else set()
    # The remarks with their engagement and pillar in one query, not three.
    remarks = Prefetch("remarks", queryset=Remark.objects.select_related("engagement__pillar"))
    transitions = list(selection.transitions.select_related("actor").prefetch_related(remarks))
    # The remarks of the last request for changes, to read the answer against them.
    requests = [t for t in transitions if t.to_status == Status.CHANGES_REQUESTED]
    last_remarks = (
        {remark.engagement_id: remark for remark in requests[-1].remarks.all()} if requests else {}
    )
    carry = cycles.carry_summary(selection)
    pieces = evidence.by_project(p for choice in choices for p in choice.projects.all())
    for choice in choices:
        for project in choice.projects.all():
            project.evidence_list = pieces[project.pk]
    engagements = [
        {
            "choice": choice,
            "engagement": choice.engagement,
            "projects": list(choice.projects.all()),
            "last_remark": last_remarks.get(choice.engagement_id),
            # A submitted selection's engagements are frozen: the form has their fields.
            "remark_field": form.remark_field(choice.engagement) if decidable else None,
            "sent_back": str(choice.engagement.number) in sent_back,
            "carry": carry.for_engagement(choice.engagement_id) if carry else None,
        }
        for choice in choices
    ]
    siblings = Selection.objects.filter(
        cooperative=selection.cooperative_id, campaign=selection.campaign_id
    ).exclude(pk=selection.pk)
    return render(
        request,
        "federation/review.html",
        {
            "selection": selection,
            "campaign": selection.campaign,
            "days_left": _days_left(selection.campaign),
            "cooperative": selection.cooperative,
            "engagements": engagements,
            "form": form,
            "decidable": decidable,
            "moves": moves,
            "transitions": transitions,
            "diff": since_decision_diff(selection, transitions),
            "published_diff": published_diff(selection),
            "history": edit_history(selection, current_choices=choices),
            "siblings": list(siblings.order_by("revision")),
            "projects_count": sum(len(item["projects"]) for item in engagements),
            "carry": carry,
            # Engagements unticked since the previous cycle keep what their projects became.
            "removed_carry": carry.removed(choice.engagement_id for choice in choices)
            if carry
            else [],
            "review_draft": draft,
            "notes": list(selection.internal_notes.select_related("author")),
            "note_form": note_form or InternalNoteForm(),
            "pending_request": selection.reopening_requests.filter(
                state=ReopeningRequest.State.PENDING
            )
            .select_related("requested_by")
            .first(),
            "accept_form": AcceptReopeningForm(),
            "decline_form": DeclineReopeningForm(),
        },
        status=status,
    )


@reviewer_required
def review(request, pk):
    """Reviewers only: a selection in full, its changes, its trail, and the decision form."""
    return _render_review(request, _selection_or_404(pk))


@reviewer_required
@require_POST
def decide(request, pk):
    """Reviewers only: request changes (message required) or validate a submitted selection."""
    selection = _selection_or_404(pk)
    engagements = Engagement.objects.filter(choices__selection=selection).order_by("number")
    form = ReviewForm(request.POST, engagements=engagements)
    if form.is_valid():
        message = form.cleaned_data["message"]
        try:
            if form.cleaned_data["decision"] == ReviewForm.VALIDATE:
                workflow.validate_selection(selection=selection, by=request.user, message=message)
                done = _("La sélection de %(coop)s est validée et publiée.")
            else:
                workflow.request_changes(
                    selection=selection,
                    by=request.user,
                    message=message,
                    remarks=form.remarks(),
                    engagements=form.sent_back(),
                )
                done = _("Les modifications demandées ont été envoyées à %(coop)s.")
        except workflow.WorkflowError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done % {"coop": selection.cooperative.name})
            return redirect("federation:review", pk=selection.pk)
    return _render_review(request, selection, form=form, status=400)


@reviewer_required
@require_POST
def save_review(request, pk):
    """Reviewers only: keep the review in progress, unsent, to come back to it."""
    selection = _selection_or_404(pk)
    if not {"validate", "request_changes"} <= workflow.moves_for(selection, user=request.user):
        messages.warning(request, _("Aucune décision n'est attendue sur cette version."))
        return redirect("federation:review", pk=selection.pk)
    engagements = Engagement.objects.filter(choices__selection=selection).order_by("number")
    form = ReviewDraftForm(request.POST, engagements=engagements)
    if not form.is_valid():
        return _render_review(request, selection, form=form, status=400)
    workflow.save_review_draft(
        selection=selection,
        by=request.user,
        decision=form.cleaned_data.get("decision") or "",
        message=form.cleaned_data["message"],
        remarks={engagement.number: text for engagement, text in form.remarks().items()},
    )
    messages.success(
        request,
        _("Examen enregistré sans être envoyé : la coopérative ne voit rien avant votre décision."),
    )
    return redirect("federation:review", pk=selection.pk)


@reviewer_required
@require_POST
def add_note(request, pk):
    """Reviewers only: a note on the selection that only reviewers ever read."""
    selection = _selection_or_404(pk)
    form = InternalNoteForm(request.POST)
    if form.is_valid():
        try:
            workflow.add_internal_note(
                selection=selection, by=request.user, text=form.cleaned_data["text"]
            )
        except workflow.WorkflowError as error:
            form.add_error("text", str(error))
        else:
            messages.success(request, _("Note interne enregistrée."))
            return redirect(f"{reverse('federation:review', args=[selection.pk])}#notes-internes")
    return _render_review(request, selection, note_form=form, status=400)


def _reopening_request_or_404(pk):
    return get_object_or_404(
        ReopeningRequest.objects.select_related("selection__cooperative", "selection__campaign"),
        pk=pk,
    )


@reviewer_required
@require_POST
def reopening_accept(request, pk):
    """Reviewers only: accept a cooperative's request — its selection is reopened."""
    reopening = _reopening_request_or_404(pk)
    form = AcceptReopeningForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    try:
        draft = workflow.accept_reopening(request=reopening, by=request.user, message=message)
    except workflow.WorkflowError as error:
        messages.error(request, str(error))
        return redirect("federation:review", pk=reopening.selection_id)
    messages.success(
        request,
        _("Demande acceptée : la version %(revision)s est ouverte en brouillon pour %(coop)s.")
        % {"revision": draft.revision, "coop": reopening.selection.cooperative.name},
    )
    return redirect("federation:review", pk=draft.pk)


@reviewer_required
def reopening_decline(request, pk):
    """Reviewers only: decline a request (GET asks for the reason, POST declines)."""
    reopening = _reopening_request_or_404(pk)
    form = DeclineReopeningForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workflow.decline_reopening(
                request=reopening, by=request.user, reason=form.cleaned_data["reason"]
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("Demande refusée : %(coop)s est prévenue avec la raison.")
                % {"coop": reopening.selection.cooperative.name},
            )
        return redirect("federation:review", pk=reopening.selection_id)
    return render(
        request,
        "federation/reopening_decline.html",
        {"reopening": reopening, "selection": reopening.selection, "form": form},
        status=400 if form.errors else 200,
    )


@reviewer_required
@require_POST
def remind(request, slug):
    """Reviewers only: queue the deadline reminder to one cooperative's members."""
    cooperative = get_object_or_404(Cooperative, slug=slug)
    run = notifications.send_deadline_reminder_to(cooperative)
    (messages.success if run.sent else messages.warning)(request, run.explanation)
    return redirect("federation:dashboard")


@reviewer_required
def reopen(request, pk):
    """Reviewers only: confirm (GET), then reopen (POST) a validated selection as a new draft."""
    selection = _selection_or_404(pk)
    form = ReopenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = workflow.reopen_selection(
                selection=selection, by=request.user, message=form.cleaned_data["message"]
            )
        except workflow.WorkflowError as error:
            messages.error(request, str(error))
            return redirect("federation:review", pk=selection.pk)
        messages.success(
            request,
            _(
                "La version %(revision)s est ouverte en brouillon pour %(coop)s ; la version "
                "validée reste publique jusqu'à la validation de la suivante."
            )
            % {"revision": draft.revision, "coop": selection.cooperative.name},
        )
        return redirect("federation:review", pk=draft.pk)
    return render(
        request,
        "federation/reopen.html",
        {
            "selection": selection,
            "form": form,
            "reopenable": "reopen" in workflow.moves_for(selection, user=request.user),
        },
        status=400 if form.errors else 200,
    )


@reviewer_required
def dashboard(request):
    """Reviewers only: a campaign's status and engagement counts, and its coverage matrix.

    The counts cover the whole campaign; the matrix pages through the
    cooperatives (filtered on their status or name): see ``coverage``.
    """
    form, campaign = _filters(request, QueueFilterForm)
    context = {"form": form, "campaign": campaign, "days_left": _days_left(campaign)}
    if campaign is not None:
        engagements = list(Engagement.objects.select_related("pillar"))
        statuses, engagement_counts = coverage.counts(campaign, engagements)
        total = Cooperative.objects.count()
        rows = coverage.cooperatives(
            campaign,
            status_slug=form.cleaned_data.get("statut") or "",
            search=form.cleaned_data.get("q") or "",
        )
        paginator = Paginator(rows, PAGE_SIZE)
        if not (form.cleaned_data.get("statut") or form.cleaned_data.get("q")):
            paginator.count = total  # already counted: spares a COUNT query
        page_obj = paginator.get_page(request.GET.get("page"))
        context.update(
            total=total,
            page_obj=page_obj,
            rows=coverage.matrix_rows(page_obj.object_list, engagements),
            engagements=engagements,
            engagement_counts=engagement_counts,
            status_counts=statuses,
            # Each card links to the matrix filtered on its status.
            status_cards=[
                (status, count, slug)
                for status, count in statuses
                for slug, slug_status in STATUS_SLUGS.items()
                if slug_status == status
            ],
            not_started=total - sum(count for _status, count in statuses),
            filtered=bool(form.cleaned_data.get("statut") or form.cleaned_data.get("q")),
            export_links=[
                (kind, fmt, export.sheet_title)
                for kind, export in exports.EXPORTS.items()
                for fmt in ("csv", "xlsx")
            ],
        )
    return render(request, "federation/dashboard.html", context, status=400 if form.errors else 200)


@reviewer_required
def export(request, kind, fmt):
    """Reviewers only: a campaign's selections or projects as CSV (streamed) or XLSX."""
    # Through the filter form, which refuses what the database cannot compare
    # (a NUL character) as an unknown campaign.
    form = CampaignFilterForm(request.GET)
    if not form.is_valid():
        raise Http404
    campaign = form.cleaned_data["campagne"] or Campaign.objects.current()
    if campaign is None:
        raise Http404
    spec = exports.EXPORTS[kind]
    filename = exports.filename(spec, campaign, fmt)
    if fmt == "csv":
        response = StreamingHttpResponse(
            exports.csv_lines(spec, campaign), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    return FileResponse(
        exports.xlsx_file(spec, campaign),
        as_attachment=True,
        filename=filename,
        content_type=XLSX_TYPE,
    )
