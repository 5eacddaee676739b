"""The cooperative's profile facts (/espace/<slug>/profil/): homes managed, activities, form.

Every member reads them; référents change them (403 for contributeurs). They
show on the public profile and place the cooperative in its peer group.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops import access, profile
from coops.models import LegalForm

from .access import Workspace, posted, workspace_view


class ProfileForm(forms.Form):
    homes_managed = forms.IntegerField(
        label=gettext_lazy("Nombre de logements gérés"),
        min_value=0,
        max_value=10_000_000,
        required=False,
        help_text=gettext_lazy(
            "Facultatif. Logements locatifs et copropriétés gérés au 31 décembre dernier."
        ),
    )
    activities = profile.ActivitiesField(
        label=gettext_lazy("Activités"),
        required=False,
        help_text=gettext_lazy("Facultatif. Cochez chaque activité de la coopérative."),
    )
    legal_form = forms.ChoiceField(
        label=gettext_lazy("Forme juridique"),
        choices=[("", "—"), *LegalForm.choices],
        required=False,
        help_text=gettext_lazy("Facultatif."),
    )


@workspace_view(guests=True)
def profile_page(request: HttpRequest, workspace: Workspace) -> HttpResponse:
    """Members read the profile facts; référents change them (403 for contributeurs)."""
    cooperative = workspace.cooperative
    editor = access.may_edit_profile(workspace.membership)
    if request.method == "POST" and not editor:
        raise PermissionDenied(_("Seul un référent de la coopérative peut modifier son profil."))
    form = ProfileForm(
        posted(request),
        initial={
            "homes_managed": cooperative.homes_managed,
            "activities": cooperative.activities,
            "legal_form": cooperative.legal_form,
        },
    )
    if request.method == "POST" and form.is_valid():
        profile.update_profile(cooperative, **form.cleaned_data)
        messages.success(request, _("Profil de la coopérative enregistré."))
        return redirect("workspace:profile", workspace.slug)
    return render(
        request,
        "workspace/profile.html",
        {"workspace": workspace, "form": form if editor else None, "cooperative": cooperative},
        status=400 if form.errors else 200,
    )
