"""Following an invitation link (/compte/invitation/<jeton>/): see it, then accept it.

The link is the credential, as a password-reset link is: whoever holds it may
see what it invites to. Accepting takes one of three ways:

* nobody has an account with the invited address: the person names
  themselves and chooses a password (Django's validators), and is signed in;
* an account exists with that address: they sign in first, then accept;
* they are signed in with another account: the invitation is not theirs (403).

A dead link (expired, used, revoked) says so and lets the person ask whoever
invited them for a new one, once.
"""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.forms import SetPasswordMixin
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from coops import invitations
from coops.models import Invitation

from . import backends

# Longer than any token we hand out: refused before anything is looked up.
TOKEN_MAX = 100


class AccountForm(SetPasswordMixin, forms.Form):
    """A new account's names and password; its username is the invited address."""

    first_name = forms.CharField(label=gettext_lazy("Prénom"), max_length=150)
    last_name = forms.CharField(label=gettext_lazy("Nom"), max_length=150)
    password1, password2 = SetPasswordMixin.create_password_fields(
        label1=gettext_lazy("Mot de passe"), label2=gettext_lazy("Confirmation du mot de passe")
    )

    def __init__(self, *args: object, email: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict:
        cleaned = super().clean()
        self.validate_passwords()
        # The validators compare the password with the person's names and address.
        future = User(
            username=self.email,
            email=self.email,
            first_name=cleaned.get("first_name", ""),
            last_name=cleaned.get("last_name", ""),
        )
        self.validate_password_for_user(future)
        return cleaned


UNKNOWN_LINK = gettext_lazy(
    "Ce lien d'invitation n'existe pas : vérifiez qu'il a été copié en entier depuis l'e-mail."
)


def _find(token: str) -> Invitation | None:
    return invitations.find(token) if len(token) <= TOKEN_MAX else None


def _unknown(request: HttpRequest) -> HttpResponse:
    """A 404, saying what to check: an address cut short in an e-mail is the usual cause."""
    return render(request, "accounts/invitation_dead.html", {"reason": UNKNOWN_LINK}, status=404)


def _landing(invitation: Invitation) -> str:
    """Where the new member starts: their cooperative's workspace, or the review queue."""
    if invitation.cooperative is None:
        return reverse("federation:queue")
    return reverse("workspace:dashboard", args=[invitation.cooperative.slug])


def _welcome(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    if invitation.cooperative is None:
        text = _("Bienvenue parmi les relecteurs de la fédération.")
    else:
        text = _("Bienvenue dans l'équipe de %(cooperative)s, en tant que %(role)s.") % {
            "cooperative": invitation.cooperative.name,
            "role": invitation.get_role_display().lower(),
        }
    messages.success(request, text)
    return redirect(_landing(invitation))


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding the link: what it invites to, and the way to accept it (POST)."""
    invitation = _find(token)
    if invitation is None:
        return _unknown(request)
    state = invitation.state()
    context: dict = {"invitation": invitation, "token": token, "state": state}
    if state != Invitation.State.PENDING:
        context["reason"] = invitations.DEAD_LINK[state]
        return render(request, "accounts/invitation_dead.html", context)

    user = request.user
    if user.is_authenticated:
        if not invitations.is_addressed_to(invitation, user):
            # Not theirs to accept: a POST is refused, as any forbidden change.
            status = 403 if request.method == "POST" else 200
            return render(
                request, "accounts/invitation.html", {**context, "other": True}, status=status
            )
        if request.method == "POST":
            try:
                invitations.accept(invitation=invitation, user=user)
            except invitations.InvitationError as error:
                messages.error(request, str(error))
                return redirect("accounts:invitation", token)
            return _welcome(request, invitation)
        return render(request, "accounts/invitation.html", {**context, "accept": True})

    if invitations.account_for(invitation.email) is not None:
        login_url = reverse("accounts:login") + "?" + _next(request)
        return render(
            request,
            "accounts/invitation.html",
            {**context, "sign_in": True, "login_url": login_url},
        )

    form = AccountForm(request.POST if request.method == "POST" else None, email=invitation.email)
    if form.is_bound and form.is_valid():
        try:
            new_user = invitations.create_account_and_accept(
                invitation=invitation,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationError as error:
            form.add_error(None, str(error))
        else:
            login(request, new_user, backend=backends.PATH)
            return _welcome(request, invitation)
    return render(request, "accounts/invitation.html", {**context, "form": form})


def _next(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    query["next"] = request.path
    return query.urlencode()


@require_POST
def invitation_renewal(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone holding an expired or revoked link: ask whoever invited for a new one, once."""
    invitation = _find(token)
    if invitation is None:
        return _unknown(request)
    try:
        sent = invitations.request_renewal(invitation=invitation)
    except invitations.InvitationError as error:
        messages.info(request, str(error))
    else:
        if sent:
            messages.success(
                request,
                _(
                    "Votre demande a été transmise : vous recevrez une nouvelle invitation "
                    "par e-mail si elle est acceptée."
                ),
            )
        else:
            messages.info(request, _("Votre demande a déjà été transmise."))
    return redirect("accounts:invitation", token)
