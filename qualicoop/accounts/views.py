"""The account pages: "Mon compte", its e-mail change, sign-out everywhere, personal data.

Also the privacy page, open to anyone, and the site's page for a form refused
by the CSRF check (``CSRF_FAILURE_VIEW``).
"""

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from coops.access import is_reviewer
from coops.models import Membership

from . import email_change, personal_data, retention
from .forms import EmailChangeForm, NameForm
from .sign_out import end_every_session


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in."""

    user: User


def _account_page(
    request: SignedInRequest,
    *,
    name_form: NameForm | None = None,
    email_form: EmailChangeForm | None = None,
) -> HttpResponse:
    """The account page, with whichever form was just refused bound to what was typed."""
    user = request.user
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("cooperative")
        .order_by("cooperative__name")
    )
    return render(
        request,
        "accounts/account.html",
        {
            "name_form": name_form or NameForm(instance=user),
            "email_form": email_form or EmailChangeForm(user=user),
            "memberships": memberships,
            "is_reviewer": is_reviewer(user),
            "link_days": email_change.MAX_AGE.days,
            "has_second_factor": django_otp.user_has_device(user),
        },
    )


@login_required
def account(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: their names (editable), address, cooperatives and account tools."""
    if request.method == "POST":
        # A copy of the user, so that a refused name does not show in the header.
        form = NameForm(request.POST, instance=get_user_model().objects.get(pk=request.user.pk))
        if form.is_valid():
            form.save()
            messages.success(request, _("Votre nom est enregistré."))
            return redirect("accounts:account")
        return _account_page(request, name_form=form)
    return _account_page(request)


@login_required
@require_POST
def email_change_request(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: send a confirmation link to the new address they typed."""
    form = EmailChangeForm(request.POST, user=request.user)
    if not form.is_valid():
        return _account_page(request, email_form=form)
    address = form.cleaned_data["email"]
    email_change.request_change(request.user, address)
    messages.success(
        request,
        _(
            "Un lien de confirmation a été envoyé à %(email)s. Votre adresse reste la même "
            "tant que vous ne l'avez pas suivi (il est valable %(days)s jours)."
        )
        % {"email": address, "days": email_change.MAX_AGE.days},
    )
    return redirect("accounts:account")


@login_required
def email_confirm(request: SignedInRequest, token: str) -> HttpResponse:
    """The signed-in owner of the account, from the link sent to the new address.

    Opening the link shows the address and a button; only the button's POST
    changes it, so that a mail scanner opening links changes nothing.
    """
    try:
        if request.method == "POST":
            address = email_change.confirm_change(token, request.user)
            messages.success(
                request,
                _("Votre adresse est désormais %(email)s. L'ancienne en a été avertie.")
                % {"email": address},
            )
            return redirect("accounts:account")
        address = email_change.address_in(token, request.user)
    except email_change.EmailChangeRefused as refusal:
        return render(request, "accounts/email_confirm.html", {"refusal": refusal})
    return render(request, "accounts/email_confirm.html", {"address": address})


@login_required
def logout_everywhere(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: end every session of theirs, this one too, once confirmed."""
    if request.method == "POST":
        user = request.user
        logout(request)
        end_every_session(user)
        messages.success(request, _("Vous êtes déconnecté de tous les appareils."))
        return redirect(settings.LOGOUT_REDIRECT_URL)
    return render(request, "accounts/logout_everywhere.html")


@login_required
@require_safe
def data_export(request: SignedInRequest) -> StreamingHttpResponse:
    """Any signed-in user: download what the portal keeps about them, as JSON."""
    response = StreamingHttpResponse(
        personal_data.document(request.user), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="{personal_data.file_name(request.user)}"'
    )
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """Anyone: what the portal keeps about people, why, for how long, and their rights."""
    return render(
        request,
        "accounts/privacy.html",
        {
            "contact_email": settings.CONTACT_EMAIL,
            "inactivity_years": retention.INACTIVITY_LIMIT.days // 365,
            "notice_days": retention.NOTICE_PERIOD.days,
            "session_hours": settings.SESSION_COOKIE_AGE // 3600,
        },
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Anyone whose form was refused by the CSRF check: how to send it again.

    Mostly a page left open while the session changed (signed in again in
    another tab, or expired): the form's token no longer matches. ``reason``,
    Django's technical wording, is already logged by the CSRF middleware.
    """
    return render(request, "403_csrf.html", status=403)
