"""Carry-forward in the workspace: a project of the previous cycle renewed, modified or dropped.

A new campaign's selection starts as a copy of the last validated one
(``workflow.start_selection(copy_from=...)``); staff then say what became of
each carried project. Members of the cooperative only, while the selection is
editable (``@workspace_view(editable=True)``); the changes go through
``commitments.editing``, which refuses a project that is not carried.
"""

from django import forms
from django.contrib import messages
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import cycles, editing, workflow
from commitments.models import TEXT_MAX, Carry

from .access import locked_refusal, posted, project_or_404, refused, workspace_view


class CarryForm(forms.Form):
    carry = forms.ChoiceField(choices=Carry.choices)


class DropForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Pourquoi la coopérative abandonne-t-elle ce projet ?"),
        help_text=gettext_lazy("La fédération lira cette raison avec votre nouvelle sélection."),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": gettext_lazy("Indiquez la raison de l'abandon.")},
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError(_("Indiquez la raison de l'abandon."))
        return reason


def _anchor(workspace, project):
    url = reverse("workspace:engagement", args=[workspace.slug, project.choice.engagement.number])
    return f"{url}#projet-{project.pk}"


@workspace_view(editable=True, post_only=True)
def project_carry(request, workspace, pk):
    """Members of the cooperative, while the selection is editable: renewed or modified."""
    project = project_or_404(workspace, pk)
    form = CarryForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choisissez « Reconduit » ou « Modifié »."))
    try:
        saved = editing.mark_carry(project, form.cleaned_data["carry"])
    except workflow.WorkflowError as error:
        return refused(request, workspace, error)
    messages.success(
        request,
        _("Projet « %(title)s » : %(carry)s.")
        % {"title": saved.title, "carry": saved.get_carry_display().lower()},
    )
    return redirect(_anchor(workspace, project))


@workspace_view(editable=True)
def project_drop(request, workspace, pk):
    """Members of the cooperative, while the selection is editable: abandon a carried project.

    GET asks for the reason; POST drops it, or shows the form again with what
    was typed and the error next to the field.
    """
    project = project_or_404(workspace, pk)
    if locked := locked_refusal(request, workspace, project.choice):
        return locked
    if project.lineage not in cycles.carried_lineages(workspace.selection):
        return refused(
            request,
            workspace,
            workflow.WorkflowError(
                _("Ce projet n'est pas repris de la sélection validée du cycle précédent.")
            ),
        )
    form = DropForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            editing.drop_project(project, form.cleaned_data["reason"], by=request.user)
        except workflow.WorkflowError as error:
            return refused(request, workspace, error)
        messages.success(request, _("Projet « %(title)s » abandonné.") % {"title": project.title})
        return redirect("workspace:engagement", workspace.slug, project.choice.engagement.number)
    return render(
        request,
        "workspace/carry_drop.html",
        {
            "workspace": workspace,
            "project": project,
            "engagement": project.choice.engagement,
            "form": form,
            # Its engagement would be left without a project, which a submission refuses.
            "last_of_engagement": not project.choice.projects.exclude(pk=project.pk).exists(),
        },
        status=400 if form.errors else 200,
    )
