"""A project's evidence (pièces justificatives) in the workspace.

Members of the cooperative (``@workspace_view``: anyone else a 404), for any
project of theirs, whatever version it belongs to: they see its files and the
federation's answers, download them, add one while the version is being
written (or where the federation asked for another), and remove one from a
version not yet sent. ``commitments.evidence`` decides.
"""

from typing import cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import evidence as evidence_service
from commitments.models import TEXT_MAX, TITLE_MAX, Evidence, Measurement, Project
from qualicoop.lib import file_store, file_types

from .access import Workspace, check_may_edit, may_edit, posted, workspace_view

PROJECT = "projet"


class EvidenceForm(forms.Form):
    """A file and what it is; ``target`` says what it supports (the project, an update, a value)."""

    target = forms.ChoiceField(label=gettext_lazy("Pièce justifiant"))
    title = forms.CharField(label=gettext_lazy("Titre"), max_length=TITLE_MAX)
    file = forms.FileField(
        label=gettext_lazy("Fichier"),
        help_text=gettext_lazy("%(allowed)s ; %(max)s Mo au plus.")
        % {"allowed": file_types.ALLOWED_LABEL, "max": settings.EVIDENCE_MAX_BYTES // 2**20},
    )
    note = forms.CharField(
        label=gettext_lazy("Note"), max_length=TEXT_MAX, required=False, widget=forms.Textarea
    )
    public = forms.BooleanField(
        label=gettext_lazy("Pièce publique"),
        required=False,
        help_text=gettext_lazy(
            "Montrée sur la page publique du projet une fois la version validée ou le point "
            "d'étape publié. Sinon, seules la coopérative et la fédération la voient."
        ),
    )

    def __init__(self, *args, project: Project, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.targets: dict[str, evidence_service.Target] = {}
        choices = []
        for target in evidence_service.attachable(project):
            if isinstance(target, Project):
                key, label = PROJECT, _("Le projet")
            elif isinstance(target, Measurement):
                key, label = f"mesure-{target.pk}", _("Valeur : %(value)s") % {"value": target}
            else:
                key = f"point-{target.pk}"
                label = _("Point d'étape du %(date)s") % {"date": target.happened_on}
            self.targets[key] = target
            choices.append((key, label))
        cast(forms.ChoiceField, self.fields["target"]).choices = choices

    def target_object(self) -> evidence_service.Target:
        return self.targets[self.cleaned_data["target"]]


def _project_or_404(workspace: Workspace, pk: int) -> Project:
    """A project of the cooperative, in any of its versions; another's is a 404."""
    return get_object_or_404(
        Project.objects.select_related("choice__engagement__pillar", "choice__selection"),
        pk=pk,
        choice__selection__cooperative=workspace.cooperative,
    )


def _evidence_or_404(workspace: Workspace, pk: int) -> Evidence:
    return get_object_or_404(Evidence, pk=pk, cooperative=workspace.cooperative)


def evidence_of(workspace: Workspace, project: Project) -> list[Evidence]:
    """The project's pieces, each saying whether this member may still remove it (``removable``)."""
    pieces = list(
        Evidence.objects.filter(evidence_service.supporting(project)).select_related(
            "update", "measurement__indicator__project__choice__selection", "measurement__update"
        )
    )
    for piece in pieces:
        if piece.project_id is not None:
            piece.project = project
        piece.removable = (  # type: ignore[attr-defined]
            evidence_service.may_remove(piece) and not workspace.read_only
        )
    return pieces


@workspace_view(guests=True)
def project_evidence(request, workspace, pk):
    """Members of the cooperative: a project's evidence, and a file added to it."""
    project = _project_or_404(workspace, pk)
    form = EvidenceForm(posted(request), request.FILES or None, project=project)
    status = 200
    if request.method == "POST":
        # Every member reads a project's evidence; adding to it is changing the project.
        check_may_edit(workspace, project)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                added = evidence_service.attach(
                    target=form.target_object(),
                    # One byte over the limit is enough to refuse it, without reading it all.
                    upload=evidence_service.Upload(
                        upload.name, upload.read(settings.EVIDENCE_MAX_BYTES + 1)
                    ),
                    title=form.cleaned_data["title"],
                    note=form.cleaned_data["note"],
                    public=form.cleaned_data["public"],
                    by=request.user,
                )
            except evidence_service.EvidenceError as error:
                form.add_error(error.field, str(error))
            else:
                messages.success(request, _("Pièce « %(title)s » ajoutée.") % {"title": added})
                return redirect("workspace:project_evidence", workspace.slug, project.pk)
        status = 400
    return render(
        request,
        "workspace/evidence.html",
        {
            "workspace": workspace,
            "project": project,
            "engagement": project.choice.engagement,
            "evidence_list": evidence_of(workspace, project),
            "may_attach": bool(form.targets) and may_edit(workspace, project),
            "form": form,
        },
        status=status,
    )


@workspace_view(guests=True)
def evidence_file(request, workspace, pk):
    """Members of the cooperative: one of its files."""
    evidence = _evidence_or_404(workspace, pk)
    return file_store.serve(
        evidence.key, filename=evidence.original_name, content_type=evidence.content_type
    )


@workspace_view()
def evidence_delete(request, workspace, pk):
    """Members of the cooperative: remove a file from a version not yet sent, once confirmed."""
    evidence = _evidence_or_404(workspace, pk)
    project = evidence_service.project_of(evidence_service.target_of(evidence))
    check_may_edit(workspace, project)
    if request.method == "POST":
        try:
            evidence_service.remove(evidence=evidence)
        except evidence_service.EvidenceError as error:
            messages.warning(request, str(error))
        else:
            messages.success(request, _("Pièce « %(title)s » retirée.") % {"title": evidence})
        return redirect("workspace:project_evidence", workspace.slug, project.pk)
    return render(
        request,
        "workspace/evidence_delete.html",
        {"workspace": workspace, "project": project, "evidence": evidence},
    )
