"""The endpoint's form: the address checked as the sender will check it, the events chosen."""

from django import forms
from django.utils.translation import gettext_lazy

from .models import Endpoint, Event
from .sending import RefusedAddress, check_url


class EndpointForm(forms.ModelForm):
    url = forms.URLField(
        label=gettext_lazy("Adresse du webhook"),
        max_length=500,
        assume_scheme="https",
        help_text=gettext_lazy("Une adresse https:// de votre outil, qui recevra un POST JSON."),
        error_messages={
            "required": gettext_lazy("Indiquez l'adresse du webhook."),
            "invalid": gettext_lazy(
                "Saisissez une adresse web complète, par exemple https://exemple.org/webhooks."
            ),
        },
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Événements"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": gettext_lazy("Choisissez au moins un événement.")},
    )

    class Meta:
        model = Endpoint
        fields = ["url", "events", "active"]
        labels = {"active": gettext_lazy("Actif")}
        help_texts = {"active": gettext_lazy("Décoché, le webhook ne reçoit plus rien.")}

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except RefusedAddress as refusal:
            raise forms.ValidationError(str(refusal)) from refusal
        return url
