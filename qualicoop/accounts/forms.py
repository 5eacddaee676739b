"""Forms of the accounts pages."""

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import email_change


class LoginForm(AuthenticationForm):
    """Django's login form, asking for the e-mail address, with the field's length enforced.

    People sign in with their address (``backends.account_for``); accounts named
    otherwise, such as the demo's, with that name: the label says both.

    ``AuthenticationForm`` sets the field's ``max_length`` after the field is
    built, so no validator checks it: an over-long username went on to
    ``authenticate()``, whose recorded failure (django-axes, 255 characters at
    most) then broke on PostgreSQL. It is now refused next to the field.
    """

    error_messages = {
        **AuthenticationForm.error_messages,
        # Django's says both fields are case-sensitive: the address is not.
        "invalid_login": _(
            "Adresse e-mail, identifiant ou mot de passe incorrect. "
            "Le mot de passe distingue les majuscules des minuscules."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        field = self.fields["username"]
        field.label = _("Adresse e-mail ou identifiant")
        field.validators.append(MaxLengthValidator(field.max_length))


class NameForm(forms.ModelForm):
    """The names shown in the header and on the history of moves."""

    class Meta:
        model = User
        fields = ["first_name", "last_name"]
        labels = {"first_name": _("Prénom"), "last_name": _("Nom")}
        widgets = {
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
        }


class EmailChangeForm(forms.Form):
    """A new address for the account; it is taken once the link sent to it is followed."""

    email = forms.EmailField(
        label=_("Nouvelle adresse électronique"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        error_messages={"required": _("Saisissez la nouvelle adresse.")},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_email(self) -> str:
        address = email_change.normalise(self.cleaned_data["email"])
        if address == email_change.normalise(self.user.email):
            raise ValidationError(_("C'est déjà l'adresse de votre compte."))
        if email_change.taken_by_another(self.user, address):
            raise ValidationError(_("Cette adresse est déjà celle d'un autre compte."))
        return address
