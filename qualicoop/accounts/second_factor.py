"""Two-factor sign-in: an authenticator app (TOTP) and single-use recovery codes.

Federation reviewers and administrators must use it when ``SECOND_FACTOR_REQUIRED``
is on (the default in production); cooperative staff may turn it on. Whoever has
a confirmed device is asked for a code after the password, whatever their role.

The need is decided once, at sign-in, and kept in the session, so that no page
pays a query for it; a verified session carries django-otp's device id.

Pairing an app replaces the account's second factor, so the password alone must
never do it: an account that has one pairs another only in a session verified
with it (or a recovery code); an account that has none pairs its first only as
the first step after signing in, before any other page. Each pairing is logged
and told to the account's owner by e-mail.
"""

import base64
import math
import time
from collections.abc import Callable, Iterable
from functools import partial
from urllib.parse import quote

import django_otp
import qrcode
import qrcode.image.svg
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.contrib.auth.signals import user_logged_in
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from coops.access import is_reviewer
from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.mail import queue_message

from . import security_log

NEEDED = "qualicoop_second_factor"
# Set at sign-in for an account without a second factor: the time of the
# sign-in. Within PAIRING_MINUTES of it, the session may pair a first app; past
# them, the password must be typed again (the "recent sign-in" of sensitive
# settings). A time rather than a flag dropped by the next page: no session is
# written again on every page for it.
FIRST_STEP = "qualicoop_second_factor_first_step"
PAIRING_MINUTES = 10
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
        has_device = django_otp.user_has_device(user)
        request.session[NEEDED] = _must_use(user) or has_device
        if has_device:
            request.session.pop(FIRST_STEP, None)
        else:
            request.session[FIRST_STEP] = time.time()


def may_pair(request: HttpRequest) -> bool:
    """Whether this session may pair an app, replacing any second factor of the account."""
    if is_verified(request):
        return True
    signed_in_at = request.session.get(FIRST_STEP)
    recent = (
        isinstance(signed_in_at, int | float)
        and 0 <= time.time() - signed_in_at < PAIRING_MINUTES * 60
    )
    return recent and not django_otp.user_has_device(request.user)


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("workspace:home")


class SecondFactorMiddleware:
    """A signed-in session that needs a second factor reaches nothing else until it has one."""

    # Pages that a half-signed-in user needs: the code page, pairing a first app
    # (whose view guards itself, see ``may_pair``), signing out, and the expiry
    # notice's keep-alive, which every page calls, this one too. Each has a test.
    EXEMPT_NAMES = ("second_factor", "second_factor_setup", "logout", "session_keep_alive")
    # And what those pages load or link to: static files, the probes, the language switch.
    EXEMPT_PREFIXES = ("/healthz", "/langue/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            owes_code = request.session.get(NEEDED, False) and not is_verified(request)
            if owes_code and not self._exempt(request.path):
                target = "accounts:second_factor"
                if not django_otp.user_has_device(request.user):
                    target = "accounts:second_factor_setup"
                return redirect(f"{reverse(target)}?next={quote(request.get_full_path())}")
        return self.get_response(request)

    def _exempt(self, path: str) -> bool:
        if path.startswith((settings.STATIC_URL, *self.EXEMPT_PREFIXES)):
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


def _waiting(devices: Iterable[Device]) -> str | None:
    """How long to wait before a code can be checked, if django-otp's throttling says so.

    After each wrong code django-otp refuses every code, the right one too, for
    1, 2, 4… seconds: say so, or the right code typed at once looks wrong.
    """
    until = [
        data["locked_until"]
        for allowed, data in (device.verify_is_allowed() for device in devices)
        if not allowed and data and "locked_until" in data
    ]
    if not until:
        return None
    seconds = max(1, math.ceil((max(until) - timezone.now()).total_seconds()))
    if seconds < 90:
        return ngettext(
            "Trop de codes erronés à la suite : attendez %(count)s seconde, "
            "puis saisissez le code affiché à ce moment.",
            "Trop de codes erronés à la suite : attendez %(count)s secondes, "
            "puis saisissez le code affiché à ce moment.",
            seconds,
        ) % {"count": seconds}
    minutes = math.ceil(seconds / 60)
    return ngettext(
        "Trop de codes erronés à la suite : attendez environ %(count)s minute, "
        "puis saisissez le code affiché à ce moment.",
        "Trop de codes erronés à la suite : attendez environ %(count)s minutes, "
        "puis saisissez le code affiché à ce moment.",
        minutes,
    ) % {"count": minutes}


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    """Any signed-in user with a device: the code that completes the sign-in."""
    if not django_otp.user_has_device(request.user):
        return redirect(
            f"{reverse('accounts:second_factor_setup')}?next={quote(_safe_next(request))}"
        )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Read before trying: a wrong code throttles the devices it was tried on.
        waiting = _waiting(django_otp.devices_for_user(request.user))
        device = django_otp.match_token(request.user, form.cleaned_data["code"])
        if device is not None:
            django_otp.login(request, device)
            return redirect(_safe_next(request))
        form.add_error("code", waiting or WRONG_CODE)
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
    """Any signed-in user who may pair an app (``may_pair``): pair it, then get the recovery codes.

    An account with a second factor not yet given in this session is sent to the
    code page; one without, past the sign-in's first step, is asked to sign in again.
    """
    if not may_pair(request):
        if django_otp.user_has_device(request.user):
            return redirect(
                f"{reverse('accounts:second_factor')}?next={quote(_safe_next(request))}"
            )
        return render(request, "accounts/second_factor_sign_in_again.html")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": APP_DEVICE_NAME}
    )
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        waiting = _waiting([device])
        if device.verify_token(form.cleaned_data["code"]):
            codes = pair(device, request=request)
            django_otp.login(request, device)
            request.session[NEEDED] = True
            request.session.pop(FIRST_STEP, None)
            return render(
                request,
                "accounts/second_factor_codes.html",
                {"codes": codes, "next": _safe_next(request)},
            )
        form.add_error("code", waiting or WRONG_CODE)
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


def pair(device: TOTPDevice, *, request: HttpRequest) -> list[str]:
    """The app is paired: keep it, replace any other, and issue fresh recovery codes.

    The owner is told by e-mail and the pairing is logged, so that a pairing
    they did not make does not go unnoticed. Returns the recovery codes.
    """
    user = device.user
    with transaction.atomic():
        # One pairing of an account at a time, checked again under the lock: an
        # app paired meanwhile in another session ends this one's first step.
        User.objects.select_for_update().get(pk=user.pk)
        if not may_pair(request):
            raise PermissionDenied
        replaced = django_otp.user_has_device(user)
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        StaticDevice.objects.filter(user=device.user).delete()
        codes_device = StaticDevice.objects.create(user=device.user, name=CODES_DEVICE_NAME)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(
            StaticToken(device=codes_device, token=code) for code in codes
        )
        if user.email:
            transaction.on_commit(partial(_tell_owner, user, replaced=replaced))
    security_log.second_factor_paired(user, replaced=replaced, request=request)
    return codes


def _tell_owner(user: User, *, replaced: bool) -> None:
    context = {
        "user": user,
        "replaced": replaced,
        "when": timezone.localtime(),
        "password_reset_url": absolute_url(reverse("accounts:password_reset")),
        "contact_email": settings.CONTACT_EMAIL,
    }
    queue_message("second_factor_paired", context, user.email)
