""" "Mes notifications": how each kind of notification reaches the signed-in person.

One choice per kind (``qualicoop.lib.notify.Kind``) among the ``Delivery``
choices, shown with the role's default until the person saves their own
(``qualicoop.accounts.delivery``). Whatever the choice, the notification is in
the portal: the choice is about the e-mail only.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from qualicoop.lib.notify import Kind

from .delivery import choices_of
from .models import Delivery, NotificationSetting
from .notifications import SignedInRequest

# What each kind covers, under its name on the page.
HELP = {
    Kind.DECISIONS: gettext_lazy(
        "Sélection validée ou rouverte, point d'étape publié, demande de réouverture refusée."
    ),
    Kind.REMARKS: gettext_lazy(
        "Modifications demandées sur une sélection, point d'étape à reprendre, avec les "
        "remarques des relecteurs."
    ),
    Kind.TO_REVIEW: gettext_lazy(
        "Pour les relecteurs : sélection soumise ou retirée, point d'étape envoyé, "
        "demande de réouverture."
    ),
    Kind.REMINDERS: gettext_lazy(
        "Date limite d'une campagne ou d'un suivi, engagement à renouveler."
    ),
    Kind.TEAM: gettext_lazy("Votre rôle changé dans une équipe, votre départ d'une équipe."),
}


class NotificationSettingsForm(forms.Form):
    """One field per kind; the choices are the model's, so nothing else can be saved."""

    def __init__(self, *args, initial_choices: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for kind in Kind:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label,
                help_text=HELP[kind],
                choices=Delivery.choices,
                initial=initial_choices[kind.value],
                widget=forms.RadioSelect,
            )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def notification_settings(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: their own choices, saved all at once."""
    user = request.user
    current = choices_of([user.pk])[user.pk]
    form = NotificationSettingsForm(
        request.POST if request.method == "POST" else None, initial_choices=current
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            NotificationSetting.objects.bulk_create(
                [
                    NotificationSetting(user=user, kind=kind, delivery=delivery)
                    for kind, delivery in form.cleaned_data.items()
                ],
                update_conflicts=True,
                unique_fields=["user", "kind"],
                update_fields=["delivery"],
            )
        messages.success(request, _("Vos choix de notifications sont enregistrés."))
        return redirect("accounts:notification_settings")
    return render(request, "accounts/notification_settings.html", {"form": form})
