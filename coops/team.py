"""Changes of a cooperative's team: members added, roles changed, members removed.

Every change runs in one transaction that first locks the cooperative's row,
so that two référents demoting each other at the same moment cannot leave the
cooperative without one: **a cooperative always keeps at least one référent**,
a rule written here only. Each change is recorded as a ``TeamEvent``, then the
person concerned is told once the change is committed (``qualicoop.lib.notify``:
in the portal, and by e-mail as they chose for team changes).
"""

from datetime import date
from functools import partial

from django.contrib.auth.models import User
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from qualicoop.lib.absolute_urls import absolute_url
from qualicoop.lib.notify import Item, Kind, notify

from .models import Cooperative, Membership, TeamEvent
from .people import display_name

LAST_REFERENT = gettext_lazy(
    "La coopérative doit garder au moins un référent : nommez d'abord un autre référent."
)


# The roles of the people who work on the cooperative's Quali'Coop (a guest only reads it).
TEAM_ROLES = (Membership.Role.CONTRIBUTOR, Membership.Role.REFERENT)


class TeamError(Exception):
    """A change of the team that the rules refuse; the message says why, in French."""


def person(user: User | None) -> str:
    """How a person is named in messages and e-mails (nobody: an empty string)."""
    return display_name(user) if user is not None else ""


def _tell(
    template: str,
    context: dict,
    user: User,
    cooperative: Cooperative,
    *,
    by: User | None,
    path: str = "",
) -> None:
    """Tell ``user`` of a change of their place in the team, as they chose to hear of it."""
    notify(
        [
            Item.rendered(
                template,
                context,
                user=user,
                kind=Kind.TEAM,
                group=f"cooperative:{cooperative.pk}",
                path=path,
                actor=person(by),
            )
        ]
    )


def record(
    kind: str,
    *,
    cooperative: Cooperative | None,
    by: User | None,
    member: User | None = None,
    email: str = "",
    role: str = "",
    previous_role: str = "",
) -> TeamEvent:
    """One line of the team's history (called inside the change's transaction).

    ``member`` is the person whose place changed; ``email`` the address of an
    invitation, for someone who may have no account yet.
    """
    return TeamEvent.objects.create(
        cooperative=cooperative,
        kind=kind,
        actor=by,
        member=member,
        email=email,
        role=role,
        previous_role=previous_role,
    )


def _lock(cooperative_id: int) -> Cooperative:
    """The cooperative's row, locked until the transaction ends: team changes queue up here."""
    return Cooperative.objects.select_for_update().get(pk=cooperative_id)


def _current(membership: Membership) -> Membership:
    """The membership as it is now, under the lock: someone may have removed it meanwhile."""
    try:
        return Membership.objects.select_related("user").get(pk=membership.pk)
    except Membership.DoesNotExist:
        raise TeamError(_("Cette personne ne fait déjà plus partie de l'équipe.")) from None


def _refuse_losing_the_last_referent(membership: Membership) -> None:
    """Refuse, once the cooperative is locked, a change that leaves it without a référent."""
    if membership.role != Membership.Role.REFERENT:
        return
    others = (
        Membership.objects.filter(
            cooperative_id=membership.cooperative_id, role=Membership.Role.REFERENT
        )
        .exclude(pk=membership.pk)
        .exists()
    )
    if not others:
        raise TeamError(LAST_REFERENT)


def refusal(membership: Membership, *, role: str | None = None) -> str | None:
    """Why demoting (``role`` given) or removing ``membership`` would be refused, if it would.

    For pages that would rather not offer a change bound to fail; the change
    itself checks again, under the lock.
    """
    if role == Membership.Role.REFERENT:
        return None
    try:
        _refuse_losing_the_last_referent(membership)
    except TeamError as error:
        return str(error)
    return None


def _promotes(membership: Membership, role: str) -> bool:
    """Whether ``role`` is more than ``membership``'s: a guest joins the team, a member leads it."""
    if membership.role == Membership.Role.GUEST:
        return role != Membership.Role.GUEST
    return role == Membership.Role.REFERENT and membership.role != role


def add_member(
    *,
    cooperative: Cooperative,
    user: User,
    role: str,
    by: User | None,
    joined: bool = False,
    guest_until: date | None = None,
) -> Membership:
    """Make ``user`` a member with ``role``; an existing member is promoted, never demoted.

    ``joined`` says that the person came through their invitation (recorded
    so), rather than being added by someone else. A guest comes with the last
    day of their access (``guest_until``); a guest invited again keeps the new
    day.
    """
    with transaction.atomic():
        _lock(cooperative.pk)
        membership = Membership.objects.filter(cooperative=cooperative, user=user).first()
        if membership is None:
            membership = Membership.objects.create(
                cooperative=cooperative, user=user, role=role, guest_until=guest_until
            )
            kind = TeamEvent.Kind.JOINED if joined else TeamEvent.Kind.ADDED
            record(kind, cooperative=cooperative, by=by, member=user, role=role)
        elif role == Membership.Role.GUEST and membership.role == role:
            membership.guest_until = guest_until
            membership.save(update_fields=["guest_until"])
            kind = TeamEvent.Kind.JOINED if joined else TeamEvent.Kind.ADDED
            record(kind, cooperative=cooperative, by=by, member=user, role=role)
        elif _promotes(membership, role):
            previous = membership.role
            membership.role = role
            membership.guest_until = None
            membership.save(update_fields=["role", "guest_until"])
            record(
                TeamEvent.Kind.ROLE_CHANGED,
                cooperative=cooperative,
                by=by,
                member=user,
                role=role,
                previous_role=previous,
            )
    return membership


def change_role(*, membership: Membership, role: str, by: User | None) -> Membership:
    """Give a member another role; the last référent cannot be made a contributeur.

    A guest's place is given by an invitation, with its end: it is no role to switch to or from.
    """
    if role not in TEAM_ROLES:
        raise TeamError(_("Choisissez le rôle contributeur ou référent."))
    with transaction.atomic():
        cooperative = _lock(membership.cooperative_id)
        current = _current(membership)
        if current.is_guest:
            raise TeamError(
                _("Un invité rejoint l'équipe par une nouvelle invitation, avec un autre rôle.")
            )
        if current.role == role:
            return current
        if role != Membership.Role.REFERENT:
            _refuse_losing_the_last_referent(current)
        previous = current.role
        current.role = role
        # A référent works on every project: a limit set on the contributor goes.
        if role == Membership.Role.REFERENT:
            current.own_projects_only = False
        current.save(update_fields=["role", "own_projects_only"])
        record(
            TeamEvent.Kind.ROLE_CHANGED,
            cooperative=cooperative,
            by=by,
            member=current.user,
            role=role,
            previous_role=previous,
        )
        if current.user.email and current.user != by:
            context = {
                "cooperative": cooperative,
                "role": current.get_role_display(),
                "by": person(by),
                "team_url": absolute_url(reverse("workspace:team", args=[cooperative.slug])),
            }
            transaction.on_commit(
                partial(
                    _tell,
                    "team_role_changed",
                    context,
                    current.user,
                    cooperative,
                    path=reverse("workspace:team", args=[cooperative.slug]),
                    by=by,
                )
            )
    return current


def remove_member(*, membership: Membership, by: User | None) -> None:
    """Take a member off the team; the last référent cannot be removed."""
    with transaction.atomic():
        cooperative = _lock(membership.cooperative_id)
        current = _current(membership)
        _refuse_losing_the_last_referent(current)
        user = current.user
        current.delete()
        record(
            TeamEvent.Kind.REMOVED,
            cooperative=cooperative,
            by=by,
            member=user,
            previous_role=current.role,
        )
        if user.email and user != by:
            # No link: the team's page is closed to them now.
            transaction.on_commit(
                partial(
                    _tell,
                    "team_removed",
                    {"cooperative": cooperative, "by": person(by)},
                    user,
                    cooperative,
                    by=by,
                )
            )


def limit_to_own_projects(*, membership: Membership, limited: bool, by: User | None) -> Membership:
    """Let a contributor edit only the projects they carry (``limited``), or every project again.

    Référents always work on every project: only a contributor is limited.
    """
    with transaction.atomic():
        cooperative = _lock(membership.cooperative_id)
        current = _current(membership)
        if current.role != Membership.Role.CONTRIBUTOR:
            raise TeamError(_("Seul un contributeur peut être limité aux projets qu'il porte."))
        if current.own_projects_only == limited:
            return current
        current.own_projects_only = limited
        current.save(update_fields=["own_projects_only"])
        kind = TeamEvent.Kind.LIMITED if limited else TeamEvent.Kind.UNLIMITED
        record(kind, cooperative=cooperative, by=by, member=current.user, role=current.role)
    return current
