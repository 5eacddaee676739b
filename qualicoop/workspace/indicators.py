"""The indicators of a project and their measured values, in the workspace.

Members of the cooperative, while the selection is editable (``@workspace_view``):
indicators are part of the selection that is submitted and reviewed.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from commitments import editing, workflow
from commitments.models import Indicator, Project

from .access import (
    Workspace,
    check_may_edit,
    locked_refusal,
    posted,
    project_or_404,
    refused,
    workspace_view,
)
from .forms import IndicatorForm, MeasurementForm


def _indicator_or_404(workspace: Workspace, pk: int) -> Indicator:
    if workspace.selection is None:
        raise Http404
    indicator = get_object_or_404(
        Indicator.objects.select_related("project__choice__engagement__pillar"),
        pk=pk,
        project__choice__selection=workspace.selection,
    )
    check_may_edit(workspace, indicator.project)
    return indicator


def _back_to(workspace: Workspace, project: Project) -> str:
    url = reverse("workspace:engagement", args=[workspace.slug, project.choice.engagement.number])
    return f"{url}#projet-{project.pk}"


def _form_page(request, workspace, project, form, *, indicator=None, status=200):
    return render(
        request,
        "workspace/indicator_form.html",
        {
            "workspace": workspace,
            "project": project,
            "engagement": project.choice.engagement,
            "indicator": indicator,
            "form": form,
        },
        status=status,
    )


@workspace_view(editable=True)
def indicator_create(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: add an indicator."""
    project = project_or_404(workspace, pk)
    if locked := locked_refusal(request, workspace, project.choice):
        return locked
    form = IndicatorForm(posted(request), engagement=project.choice.engagement)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = editing.create_indicator(project, form.cleaned_data)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(request, _("Indicateur « %(name)s » ajouté.") % {"name": indicator.name})
        return redirect(_back_to(workspace, project))
    return _form_page(request, workspace, project, form, status=400 if form.errors else 200)


@workspace_view(editable=True)
def indicator_edit(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: change an indicator."""
    indicator = _indicator_or_404(workspace, pk)
    if locked := locked_refusal(request, workspace, indicator.project.choice):
        return locked
    initial = {name: getattr(indicator, name) for name in Indicator.EDITABLE_FIELDS}
    form = IndicatorForm(
        posted(request), initial=initial, engagement=indicator.project.choice.engagement
    )
    if request.method == "POST" and form.is_valid():
        try:
            editing.update_indicator(indicator, form.cleaned_data)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(
            request, _("Indicateur « %(name)s » enregistré.") % {"name": indicator.name}
        )
        return redirect(_back_to(workspace, indicator.project))
    return _form_page(
        request,
        workspace,
        indicator.project,
        form,
        indicator=indicator,
        status=400 if form.errors else 200,
    )


@workspace_view(editable=True)
def indicator_delete(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: delete an indicator.

    GET asks for confirmation, naming how many measured values go with it.
    """
    indicator = _indicator_or_404(workspace, pk)
    if request.method == "POST":
        try:
            editing.delete_indicator(indicator)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(request, _("Indicateur « %(name)s » supprimé.") % {"name": indicator.name})
        return redirect(_back_to(workspace, indicator.project))
    return render(
        request,
        "workspace/indicator_delete.html",
        {
            "workspace": workspace,
            "indicator": indicator,
            "project": indicator.project,
            "engagement": indicator.project.choice.engagement,
            "measurement_count": indicator.measurements.count(),
        },
    )


@workspace_view(editable=True)
def measurement_create(request: HttpRequest, workspace: Workspace, pk: int) -> HttpResponse:
    """Members of the cooperative, while the selection is editable: add a measured value."""
    indicator = _indicator_or_404(workspace, pk)
    form = MeasurementForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            editing.add_measurement(indicator, form.cleaned_data)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(request, _("Valeur ajoutée à « %(name)s ».") % {"name": indicator.name})
        return redirect(_back_to(workspace, indicator.project))
    return render(
        request,
        "workspace/measurement_form.html",
        {
            "workspace": workspace,
            "indicator": indicator,
            "project": indicator.project,
            "engagement": indicator.project.choice.engagement,
            "form": form,
            "measurements": list(indicator.measurements.all()),
        },
        status=400 if form.errors else 200,
    )
