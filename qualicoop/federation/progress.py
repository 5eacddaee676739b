"""The federation's follow-up of validated projects.

"Points d'étape à relire" (publish, or send back with a remark), the follow-up
dashboard (who has gone quiet, what is late or abandoned) and the
"exemplaire" mark. Reviewers only, like every federation page.
"""

import datetime

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Exists, Max, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from commitments import checks, progress, workflow
from commitments.models import (
    FollowUp,
    Measurement,
    ProgressUpdate,
    Project,
    ProjectStatus,
    Selection,
    UpdateState,
    published_cooperatives,
    update_published,
)

from .access import reviewer_required
from .views import PAGE_SIZE


class UpdateDecisionForm(forms.Form):
    remark = forms.CharField(
        label=gettext_lazy("Remarque pour la coopérative"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy("Obligatoire pour renvoyer le point d'étape à la coopérative."),
    )

    # The button the reviewer pressed, as the page posts it.
    SEND_BACK = "send_back"

    def clean(self):
        cleaned = super().clean()
        # Said next to the field, with the reviewer's choice kept, before anything
        # moves; ``progress.send_back_update`` refuses an empty remark all the same.
        if self.SEND_BACK in self.data and cleaned.get("remark") == "":
            self.add_error(
                "remark", gettext_lazy("Dites à la coopérative ce qu'il faut reprendre.")
            )
        return cleaned


class QuietForm(forms.Form):
    mois = forms.TypedChoiceField(
        label=gettext_lazy("Sans point d'étape publié depuis"),
        choices=[(n, gettext_lazy("%(n)s mois") % {"n": n}) for n in (3, 6, 12, 18, 24)],
        coerce=int,
        required=False,
        empty_value=6,
    )


def _reviewed_updates():
    return ProgressUpdate.objects.select_related(
        "project__choice__engagement__pillar",
        "project__choice__selection__cooperative",
        "author",
    )


@reviewer_required
def updates_queue(request: HttpRequest) -> HttpResponse:
    """Reviewers: the updates waiting to be read, oldest first, page by page."""
    waiting = _reviewed_updates().filter(state=UpdateState.SUBMITTED).order_by("submitted_at", "pk")
    page_obj = Paginator(waiting, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "federation/updates_queue.html",
        {"page_obj": page_obj, "updates": list(page_obj.object_list), "active": "updates"},
    )


def _flagged(update: ProgressUpdate) -> list[tuple[Measurement, list[str]]]:
    """The update's values, each with what a reviewer may want to check (never a block)."""
    measurements = list(update.measurements.all())
    if not measurements:
        return []
    flags = checks.flags_of(measurements)
    return [(measurement, flags[measurement.pk]) for measurement in measurements]


@reviewer_required
def update_review(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviewers: read one update with its project, then publish it or send it back."""
    update = get_object_or_404(
        _reviewed_updates().prefetch_related("measurements__indicator__catalogue"), pk=pk
    )
    form = UpdateDecisionForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        remark = form.cleaned_data["remark"]
        try:
            if "publish" in request.POST:
                progress.publish_update(update=update, by=request.user)
                messages.success(request, _("Point d'étape publié."))
            elif UpdateDecisionForm.SEND_BACK in request.POST:
                progress.send_back_update(update=update, by=request.user, remark=remark)
                messages.success(request, _("Point d'étape renvoyé à la coopérative."))
            else:
                form.add_error(None, _("Choisissez : publier ou renvoyer."))
        except workflow.WorkflowError as error:
            form.add_error(
                "remark" if UpdateDecisionForm.SEND_BACK in request.POST else None, str(error)
            )
        if not form.errors:
            return redirect("federation:updates_queue")
    previous = (
        ProgressUpdate.objects.in_published_state()
        .filter(lineage=update.lineage)
        .exclude(pk=update.pk)
        .order_by("-happened_on", "-pk")[:5]
    )
    return render(
        request,
        "federation/update_review.html",
        {
            "update": update,
            "project": update.project,
            "cooperative": update.project.choice.selection.cooperative,
            "form": form,
            "previous": list(previous),
            "measured": _flagged(update),
            "moves": progress.moves_for(update, user=request.user),
            "active": "updates",
        },
        status=400 if form.errors else 200,
    )


@reviewer_required
def follow_up_dashboard(request: HttpRequest) -> HttpResponse:
    """Reviewers: who posted nothing lately, what waits, what is late or abandoned."""
    today = timezone.localdate()
    form = QuietForm(request.GET)
    months = form.cleaned_data["mois"] if form.is_valid() else 6
    since = today - datetime.timedelta(days=round(months * 30.44))
    # Cooperatives with a published selection and no update published since then.
    published_since = ProgressUpdate.objects.in_published_state().filter(
        project__choice__selection__cooperative=OuterRef("pk"),
        happened_on__gte=since,
    )
    quiet = (
        published_cooperatives()
        .annotate(
            last_update=Max(
                "selections__choices__projects__updates__happened_on",
                filter=update_published("selections__choices__projects__updates"),
            )
        )
        .filter(~Exists(published_since))
        .order_by("last_update", "name")
    )
    quiet_page = Paginator(quiet, PAGE_SIZE).get_page(request.GET.get("page"))
    late = (
        Project.objects.published()
        .with_stage()
        .filter(
            Q(stage_key__in=[ProjectStatus.POSTPONED, ProjectStatus.ABANDONED])
            # Past its date and not reported done.
            | Q(target_date__lt=today) & ~Q(stage_key=ProjectStatus.DONE)
        )
        .select_related("choice__engagement", "choice__selection__cooperative")
        .order_by("target_date", "pk")
    )
    late_page = Paginator(late, PAGE_SIZE).get_page(request.GET.get("retards"))
    follow_up = FollowUp.objects.current(today)
    coverage = None
    if follow_up is not None:
        coverage = Project.objects.followed_by(follow_up).report_counts(follow_up)
    return render(
        request,
        "federation/follow_up.html",
        {
            "form": form,
            "months": months,
            "since": since,
            "quiet_page": quiet_page,
            "late_page": late_page,
            "waiting": ProgressUpdate.objects.filter(state=UpdateState.SUBMITTED).count(),
            "follow_up": follow_up,
            "coverage": coverage,
            "published_count": Selection.objects.published().count(),
            "active": "follow_up",
        },
        status=400 if form.errors else 200,
    )


@reviewer_required
@require_POST
def project_exemplary(request: HttpRequest, pk: int) -> HttpResponse:
    """Reviewers: mark a published project "exemplaire", or take the mark back."""
    project = get_object_or_404(Project.objects.published(), pk=pk)
    exemplary = request.POST.get("exemplaire") == "1"
    progress.mark_exemplary(project=project, exemplary=exemplary, by=request.user)
    if exemplary:
        messages.success(request, _("« %(title)s » est marqué exemplaire.") % {"title": project})
    else:
        messages.success(
            request, _("« %(title)s » n'est plus marqué exemplaire.") % {"title": project}
        )
    back = request.POST.get("next", "")
    if back.startswith("/federation/"):
        return redirect(back)
    return redirect(project.get_absolute_url())
