"""A new e-mail address, taken only once a link sent to it is followed.

The link carries a signed token (``django.core.signing``, valid two days):
the account, the new address, and a fingerprint of the address in use when
it was asked for. Once the address has changed — by this link or another —
the fingerprint no longer matches, so a link works once and an older link
never undoes a newer change. The token is signed, not encrypted: the new
address is readable in it (it is sent to that address anyway); the current
one is only there as a keyed hash.

An account whose username is its address (as invitations make them) gets the
new address as its username too: people sign in with the address they use.
"""

from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.mail import queue_message

SALT = "qualicoop.accounts.email_change"
MAX_AGE = timedelta(days=2)


class EmailChangeRefused(Exception):
    """A confirmation link that cannot change the address; says why in French."""


def _taken(address: str) -> EmailChangeRefused:
    return EmailChangeRefused(
        _("L'adresse %(email)s est entre-temps devenue celle d'un autre compte.")
        % {"email": address}
    )


def normalise(address: str) -> str:
    """Addresses are compared and kept in lower case, as invitations keep them."""
    return address.strip().lower()


def taken_by_another(user: User, address: str) -> bool:
    """Another account is known by this address, as its e-mail or as its username."""
    return (
        get_user_model()
        .objects.filter(Q(email__iexact=address) | Q(username__iexact=address))
        .exclude(pk=user.pk)
        .exists()
    )


def _fingerprint(address: str) -> str:
    return salted_hmac(SALT, normalise(address)).hexdigest()


def make_token(user: User, new_address: str) -> str:
    payload = {"user": user.pk, "email": new_address, "current": _fingerprint(user.email)}
    return signing.TimestampSigner(salt=SALT).sign_object(payload, compress=True)


def request_change(user: User, new_address: str) -> None:
    """Send the confirmation link to ``new_address``; the account keeps its address meanwhile."""
    token = make_token(user, new_address)
    context = {
        "user": user,
        "new_address": new_address,
        "url": absolute_url(reverse("accounts:email_confirm", args=[token])),
        "days": MAX_AGE.days,
    }
    queue_message("email_change_confirm", context, new_address)


def address_in(token: str, user: User) -> str:
    """The new address a confirmation link carries for ``user``, or EmailChangeRefused."""
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(token, max_age=MAX_AGE)
    except signing.SignatureExpired:
        raise EmailChangeRefused(
            _("Ce lien a expiré : il n'est valable que %(days)s jours.") % {"days": MAX_AGE.days}
        ) from None
    except signing.BadSignature:
        raise EmailChangeRefused(
            _("Ce lien est incomplet ou a été modifié. Copiez-le en entier depuis le courriel.")
        ) from None
    if payload.get("user") != user.pk:
        raise EmailChangeRefused(
            _("Ce lien a été envoyé pour un autre compte. Connectez-vous avec celui-ci.")
        )
    if not constant_time_compare(payload.get("current", ""), _fingerprint(user.email)):
        raise EmailChangeRefused(
            _("Ce lien a déjà servi, ou votre adresse a changé depuis qu'il a été envoyé.")
        )
    address = payload.get("email", "")
    if taken_by_another(user, address):
        raise _taken(address)
    return address


def confirm_change(token: str, user: User) -> str:
    """Take the new address a link carries; the former one is told. Returns the new one."""
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        address = address_in(token, user)
        former = user.email
        user.email = address
        fields = ["email"]
        if former and normalise(user.username) == normalise(former):
            user.username = address
            fields.append("username")
        try:
            with transaction.atomic():
                user.save(update_fields=fields)
        except IntegrityError:
            # Another account took this address as its username since the check.
            raise _taken(address) from None
        if former:
            context = {
                "user": user,
                "new_address": address,
                "former_address": former,
                "contact_email": settings.CONTACT_EMAIL,
            }
            transaction.on_commit(partial(queue_message, "email_changed_notice", context, former))
    return address
