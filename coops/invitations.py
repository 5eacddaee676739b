"""Invitations: how people join a cooperative's team, or the federation's reviewers.

An invitation is an e-mail carrying a single-use link that expires
(``settings.INVITATION_DAYS``). The database keeps only a hash of the link's
token. Each service below runs in one transaction, guards the invitation's
state, records the change in the team's history, and only then queues the
e-mail, once the transaction is committed.
"""

import hashlib
import secrets
from datetime import date, timedelta
from functools import partial
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.mail import queue_message

from . import access, guests, team
from .models import ALREADY_PENDING, Cooperative, Invitation, Membership, TeamEvent

# Why a link no longer opens anything, by the invitation's state.
DEAD_LINK = {
    Invitation.State.EXPIRED: gettext_lazy("Cette invitation a expiré."),
    Invitation.State.ACCEPTED: gettext_lazy("Cette invitation a déjà servi."),
    Invitation.State.REVOKED: gettext_lazy("Cette invitation a été annulée."),
}


class InvitationError(Exception):
    """An invitation the rules refuse to send, resend, revoke or accept; says why in French."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    """Addresses are compared without regard to case: kept in lower case."""
    return email.strip().lower()


def _fresh_link(invitation: Invitation) -> str:
    """Give ``invitation`` a new token and expiry; the token is returned, never stored."""
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = hash_token(token)
    invitation.sent_at = now
    invitation.expires_at = now + timedelta(days=settings.INVITATION_DAYS)
    invitation.renewal_requested_at = None
    return token


def find(token: str) -> Invitation | None:
    """The invitation whose link carries ``token``, whatever its state."""
    return (
        Invitation.objects.select_related("cooperative", "invited_by")
        .filter(token_hash=hash_token(token))
        .first()
    )


def account_for(email: str) -> User | None:
    """The account already known by this address (as its e-mail or its username)."""
    email = normalise_email(email)
    return (
        get_user_model()
        .objects.filter(Q(email__iexact=email) | Q(username__iexact=email))
        .order_by("pk")
        .first()
    )


def is_addressed_to(invitation: Invitation, user: User) -> bool:
    """Only the person the invitation was sent to may accept it."""
    return invitation.email in {user.email.lower(), user.username.lower()}


def open_invitations(cooperative: Cooperative | None) -> QuerySet[Invitation]:
    """Invitations of a cooperative (or of the federation) neither accepted nor revoked."""
    return Invitation.objects.filter(
        cooperative=cooperative, accepted_at__isnull=True, revoked_at__isnull=True
    )


def refusal_to_invite(cooperative: Cooperative | None, email: str) -> str | None:
    """Why inviting ``email`` there would be refused, if it would."""
    email = normalise_email(email)
    user = account_for(email)
    if cooperative is not None:
        # A guest may be invited again: for longer, or to join the team.
        members = Membership.objects.team().filter(cooperative=cooperative)
        if user is not None and members.filter(user=user).exists():
            return _("%(email)s fait déjà partie de l'équipe.") % {"email": email}
    elif user is not None and access.is_reviewer(user):
        return _("%(email)s est déjà relecteur de la fédération.") % {"email": email}
    if open_invitations(cooperative).filter(email=email).exists():
        return str(ALREADY_PENDING)
    return None


def invite(
    *,
    cooperative: Cooperative | None,
    email: str,
    role: str,
    by: User | None,
    guest_until: date | None = None,
) -> Invitation:
    """Invite ``email`` to a cooperative's team, or as a reviewer (no cooperative).

    A guest (``coops.guests``) is invited with the last day of their access.
    """
    email = normalise_email(email)
    if (role == Invitation.Role.REVIEWER) != (cooperative is None):
        raise InvitationError(_("Un relecteur est invité par la fédération, sans coopérative."))
    if role == Invitation.Role.GUEST:
        if guest_until is None:
            raise InvitationError(_("Choisissez jusqu'à quelle date l'invité a accès."))
        try:
            guests.check_end(guest_until)
        except guests.GuestError as error:
            raise InvitationError(str(error)) from None
    else:
        guest_until = None
    with transaction.atomic():
        if cooperative is not None:
            # Queue up behind any other change of this team.
            Cooperative.objects.select_for_update().get(pk=cooperative.pk)
        refused = refusal_to_invite(cooperative, email)
        if refused:
            raise InvitationError(refused)
        invitation = Invitation(
            cooperative=cooperative,
            email=email,
            role=role,
            invited_by=by,
            guest_until=guest_until,
        )
        token = _fresh_link(invitation)
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:
            # A reviewer's invitation sent twice at once: there is no row to lock.
            raise InvitationError(ALREADY_PENDING) from None
        team.record(TeamEvent.Kind.INVITED, cooperative=cooperative, by=by, email=email, role=role)
        transaction.on_commit(partial(_send_invitation, invitation.pk, token))
    return invitation


def _locked_open(invitation: Invitation) -> Invitation:
    current = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not current.is_open:
        raise InvitationError(DEAD_LINK[current.state()])
    return current


def resend(*, invitation: Invitation, by: User | None) -> Invitation:
    """Send an open invitation again: a new link and a new expiry; the old link is dead."""
    with transaction.atomic():
        current = _locked_open(invitation)
        token = _fresh_link(current)
        current.save(update_fields=["token_hash", "sent_at", "expires_at", "renewal_requested_at"])
        team.record(
            TeamEvent.Kind.RESENT,
            cooperative=current.cooperative,
            by=by,
            email=current.email,
            role=current.role,
        )
        transaction.on_commit(partial(_send_invitation, current.pk, token))
    return current


def revoke(*, invitation: Invitation, by: User | None) -> Invitation:
    """Cancel an open invitation: its link opens nothing any more."""
    with transaction.atomic():
        current = _locked_open(invitation)
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        team.record(
            TeamEvent.Kind.REVOKED,
            cooperative=current.cooperative,
            by=by,
            email=current.email,
            role=current.role,
        )
    return current


def accept(*, invitation: Invitation, user: User) -> Invitation:
    """``user`` takes up the invitation: a membership, or the reviewers' group."""
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        state = current.state()
        if state != Invitation.State.PENDING:
            raise InvitationError(DEAD_LINK[state])
        if not is_addressed_to(current, user):
            raise InvitationError(
                _("Cette invitation est adressée à %(email)s, pas à votre compte.")
                % {"email": current.email}
            )
        if current.cooperative is not None:
            team.add_member(
                cooperative=current.cooperative,
                user=user,
                role=current.role,
                by=user,
                joined=True,
                guest_until=current.guest_until,
            )
        else:
            user.groups.add(access.ensure_reviewers_group())
            team.record(
                TeamEvent.Kind.JOINED,
                cooperative=None,
                by=user,
                member=user,
                role=current.role,
            )
        current.accepted_at = timezone.now()
        current.accepted_by = user
        current.save(update_fields=["accepted_at", "accepted_by"])
    return current


def create_account_and_accept(
    *, invitation: Invitation, first_name: str, last_name: str, password: str
) -> User:
    """A new account, named by its e-mail address, that takes up the invitation at once."""
    # The password is hashed before the transaction opens: the hash takes a
    # noticeable time by design, and on SQLite a write transaction holds the
    # whole database's write lock while it is open.
    password_hash = make_password(password)
    with transaction.atomic():
        if account_for(invitation.email) is not None:
            raise InvitationError(
                _("Un compte existe déjà pour %(email)s : connectez-vous pour accepter.")
                % {"email": invitation.email}
            )
        try:
            with transaction.atomic():
                user = get_user_model().objects.create(
                    username=invitation.email,
                    email=invitation.email,
                    password=password_hash,
                    first_name=first_name,
                    last_name=last_name,
                )
        except IntegrityError:
            # The same link followed twice at once: the first one made the account.
            raise InvitationError(DEAD_LINK[Invitation.State.ACCEPTED]) from None
        accept(invitation=invitation, user=user)
    return user


def request_renewal(*, invitation: Invitation) -> bool:
    """From a dead link, ask whoever invited for a new invitation; asked once per link.

    Returns whether the request was sent now (``False``: it already was).
    """
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.state() not in (Invitation.State.EXPIRED, Invitation.State.REVOKED):
            raise InvitationError(_("Cette invitation n'a pas besoin d'être renouvelée."))
        if current.renewal_requested_at is not None:
            return False
        current.renewal_requested_at = timezone.now()
        current.save(update_fields=["renewal_requested_at"])
        transaction.on_commit(partial(_send_renewal_request, current.pk))
    return True


# --- E-mails --------------------------------------------------------------------------


def _send_invitation(invitation_id: int, token: str) -> None:
    invitation = Invitation.objects.select_related("cooperative", "invited_by").get(
        pk=invitation_id
    )
    inviter = invitation.invited_by
    cooperative = invitation.cooperative
    from_federation = inviter is None or (
        cooperative is None
        or not Membership.objects.filter(cooperative=cooperative, user=inviter).exists()
    )
    context = {
        "invitation": invitation,
        "cooperative": cooperative,
        "inviter": team.person(inviter),
        "from_federation": from_federation,
        "url": absolute_url(reverse("accounts:invitation", args=[token])),
    }
    queue_message("invitation", context, invitation.email)


def _renewal_recipients(invitation: Invitation) -> list[User]:
    """Whoever invited; failing them, the cooperative's référents; failing those, the admins."""
    people = get_user_model().objects.filter(is_active=True).exclude(email="").order_by("pk")
    inviter = invitation.invited_by
    if inviter is not None and inviter.is_active and inviter.email:
        return [inviter]
    if invitation.cooperative_id is not None:
        referents = list(
            people.filter(
                memberships__cooperative_id=invitation.cooperative_id,
                memberships__role=Membership.Role.REFERENT,
            )
        )
        if referents:
            return referents
    return list(people.filter(is_superuser=True))


def _send_renewal_request(invitation_id: int) -> None:
    invitation = Invitation.objects.select_related("cooperative").get(pk=invitation_id)
    cooperative = invitation.cooperative
    admin_url = absolute_url(
        reverse("admin:coops_invitation_changelist") + "?" + urlencode({"q": invitation.email})
    )
    for recipient in _renewal_recipients(invitation):
        manages_team = (
            cooperative is not None
            and Membership.objects.filter(
                cooperative=cooperative, user=recipient, role=Membership.Role.REFERENT
            ).exists()
        )
        context = {
            "invitation": invitation,
            "cooperative": cooperative,
            "state": invitation.state().label.lower(),
            "url": (
                absolute_url(reverse("workspace:team", args=[cooperative.slug]))
                if manages_team and cooperative is not None
                else admin_url
            ),
        }
        queue_message("invitation_renewal", context, recipient.email)
