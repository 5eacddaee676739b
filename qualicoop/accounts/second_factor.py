"""Two-factor sign-in: an authenticator app (TOTP) and single-use recovery codes.

Federation reviewers and administrators must use it when ``SECOND_FACTOR_REQUIRED``
is on (the default in production); cooperative staff may turn it on. Whoever has
a confirmed device is asked for a code after the password, whatever their role.

The need is decided once, at sign-in, and kept in the session, so that no page
pays a query for it; a verified session carries django-otp's device id.
"""

import base64
from collections.abc import Callable
from urllib.parse import quote

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coops.access import is_reviewer

NEEDED = "qualicoop_second_factor"
RECOVERY_CODES = 10
APP_DEVICE_NAME = "Application d'authentification"
CODES_DEVICE_NAME = "Codes de secours"


def is_verified(request: HttpRequest) -> bool:
    return django_otp.DEVICE_ID_SESSION_KEY in request.session


def _must_use(user: AbstractBaseUser | AnonymousUser) -> bool:
    """The federation's people, where the setting asks for it."""
    return settings.SECOND_FACTOR_REQUIRED and (user.is_staff or is_reviewer(user))


@receiver(user_logged_in)
def _decide_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[NEEDED] = _must_use(user) or django_otp.user_has_device(user)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workspace:home")


class SecondFactorMiddleware:
    """A signed-in session that needs a second factor reaches nothing else until it has one."""

    # Paths that a half-signed-in user needs: the second factor itself, signing
    # out, the static files and the probes.
    EXEMPT_NAMES = ("second_factor", "second_factor_setup", "logout", "session_keep_alive")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.user.is_authenticated
            and request.session.get(NEEDED, False)
            and not is_verified(request)
            and not self._exempt(request.path)
        ):
            target = "accounts:second_factor"
            if not django_otp.user_has_device(request.user):
                target = "accounts:second_factor_setup"
            return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    def _exempt(self, path: str) -> bool:
        if path.startswith((settings.STATIC_URL, "/healthz", "/langue/")):
            return True
        return any(path == reverse(f"accounts:{name}") for name in self.EXEMPT_NAMES)


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=16,
        help_text=_(
            "Les 6 chiffres affichés par votre application, ou l'un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
        error_messages={"required": _("Saisissez le code.")},
    )

    def clean_code(self) -> str:
        return "".join(self.cleaned_data["code"].split())


WRONG_CODE = _("Ce code est incorrect ou a expiré. Saisissez le code affiché en ce moment.")


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Any signed-in user with a device: the code that completes the sign-in."""
    if not django_otp.user_has_device(request.user):
        return redirect(
            f"{reverse('accounts:second_factor_setup')}?next={quote(_safe_next(request))}"
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = django_otp.match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_safe_next(request))
        form.add_error("code", WRONG_CODE)
    return render(
        request,
        "accounts/second_factor_verify.html",
        {"form": form, "next": _safe_next(request)},
        status=400 if form.errors else 200,
    )


def _qr_svg(device: TOTPDevice) -> str:
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    svg = image.to_string(encoding="unicode")
    # Inline in the page: the XML declaration has no place inside HTML.
    return svg[svg.index("<svg") :]


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def setup(request: HttpRequest) -> HttpResponse:
    """Any signed-in user: pair an authenticator app, then get the recovery codes once."""
    device, _ = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": APP_DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            codes = _confirm(device)
            django_otp.login(request, device)
            request.session[NEEDED] = True
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"codes": codes, "next": _safe_next(request)},
            )
        form.add_error("code", WRONG_CODE)
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "accounts/second_factor_setup.html",
        {
            "form": form,
            "qr": mark_safe(_qr_svg(device)),  # noqa: S308 - generated here, no user input
            "secret": _spaced(secret),
            "next": _safe_next(request),
            "required": _must_use(request.user),
        },
        status=400 if form.errors else 200,
    )


def _confirm(device: TOTPDevice) -> list[str]:
    """The app is paired: keep it, replace any other, and issue fresh recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=device.user).delete()
        codes_device = StaticDevice.objects.create(user=device.user, name=CODES_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(
            StaticToken(device=codes_device, token=code) for code in codes
        )
    return codes
