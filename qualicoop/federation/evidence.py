"""Evidence seen by the federation: a file downloaded, and a piece accepted or another asked for.

Reviewers only (``@reviewer_required``: anyone else a 404), for every
cooperative; ``commitments.evidence`` records who decided and when.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from commitments import evidence as evidence_service
from commitments.models import TEXT_MAX, Evidence
from qualicoop.lib import file_store

from .views import reviewer_required


class EvidenceReviewForm(forms.Form):
    remark = forms.CharField(
        label=gettext_lazy("Remarque (la pièce attendue, si vous en demandez une autre)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


@reviewer_required
def evidence_file(request, pk):
    """Reviewers only: any cooperative's file."""
    evidence = get_object_or_404(Evidence, pk=pk)
    return file_store.serve(
        evidence.key, filename=evidence.original_name, content_type=evidence.content_type
    )


@reviewer_required
def evidence_review(request, pk):
    """Reviewers only: accept a piece ("Pièce acceptée"), or ask for another with a remark."""
    evidence = get_object_or_404(Evidence.objects.select_related("cooperative"), pk=pk)
    form = EvidenceReviewForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            if "accept" in request.POST:
                evidence_service.accept(evidence=evidence, by=request.user)
                done = _("Pièce « %(title)s » acceptée.")
            else:
                evidence_service.request_another(
                    evidence=evidence, by=request.user, remark=form.cleaned_data["remark"]
                )
                done = _("Une autre pièce est demandée à la place de « %(title)s ».")
        except evidence_service.EvidenceError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, done % {"title": evidence.title})
            return redirect("federation:evidence_review", evidence.pk)
    if form.errors:
        status = 400
    return render(
        request,
        "federation/evidence_review.html",
        {
            "evidence": evidence,
            "form": form,
            "project": evidence_service.project_of(evidence_service.target_of(evidence)),
        },
        status=status,
    )
