"""Who carries a project: one member of its cooperative (owner), optionally a second.

Ownership belongs to the project's identity, not to the content the federation
reviews: it is written on every version of the lineage in the cooperative
(the validated version, followed over the year, names the same people as the
draft being prepared), a new version or cycle copies it (``workflow._copy``),
and it stays out of the snapshot and the diff. It decides two things: who is
reminded of a project first (``commitments.notifications``), and what a
contributor limited to their own projects may edit (``may_edit``).
"""

from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from coops.models import Cooperative, Membership
from coops.people import display_name

from .models import Project, Selection, Status
from .workflow import WorkflowError


class OwnershipError(WorkflowError):
    """Owners refused; ``field`` is the form field the message belongs next to."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Owners:
    owner: User | None = None
    co_owner: User | None = None

    @classmethod
    def of(cls, project: Project) -> "Owners":
        return cls(project.owner, project.co_owner)


def carries(user: User, project: Project) -> bool:
    """Whether ``user`` is the project's owner or co-owner (``Project.objects.owned_by``)."""
    return user.pk is not None and user.pk in (project.owner_id, project.co_owner_id)


def members(cooperative: Cooperative) -> QuerySet[User]:
    """The people a cooperative's project may be given to: its members, not its guests."""
    return User.objects.filter(
        memberships__in=Membership.objects.team().filter(cooperative=cooperative)
    ).order_by("first_name", "last_name", "username")


def may_set_owners(membership: Membership, project: Project | None) -> bool:
    """Référents name the owners of any project; the owners, of their own; anyone, of a new one.

    A guest names nobody.
    """
    return not membership.is_guest and (
        project is None
        or membership.role == Membership.Role.REFERENT
        or carries(membership.user, project)
    )


def may_edit(membership: Membership, project: Project) -> bool:
    """A contributor a référent limited to their own projects edits only those they carry.

    A guest edits nothing.
    """
    if membership.is_guest:
        return False
    limited = membership.own_projects_only and membership.role == Membership.Role.CONTRIBUTOR
    return not limited or carries(membership.user, project)


def check(owners: Owners, cooperative: Cooperative) -> None:
    """Both owners must be members of the project's cooperative, and two different people."""
    if owners.co_owner is not None and owners.owner is None:
        raise OwnershipError(_("Choisissez d'abord le porteur du projet."), "owner")
    if owners.co_owner is not None and owners.co_owner == owners.owner:
        raise OwnershipError(
            _("Le co-porteur doit être une autre personne que le porteur."), "co_owner"
        )
    people = [person for person in (owners.owner, owners.co_owner) if person is not None]
    members_among = set(
        Membership.objects.team()
        .filter(cooperative=cooperative, user__in=people)
        .values_list("user_id", flat=True)
    )
    for name, person in (("owner", owners.owner), ("co_owner", owners.co_owner)):
        if person is not None and person.pk not in members_among:
            raise OwnershipError(
                _("%(name)s n'est pas membre de la coopérative %(cooperative)s.")
                % {"name": display_name(person), "cooperative": cooperative},
                name,
            )


def set_owners(project: Project, owners: Owners, *, by: Membership, new: bool = False) -> None:
    """Name the project's owners on every version of its lineage in its cooperative.

    Called inside the edit's transaction (``commitments.editing``): a refusal
    undoes the edit too. Owners left as they are need no right at all; whoever
    adds a project (``new``) names its owners.
    """
    if owners == Owners.of(project):
        return
    cooperative = by.cooperative
    if not may_set_owners(by, None if new else project):
        raise OwnershipError(
            _("Seuls les référents et les porteurs du projet en changent les porteurs."),
            "owner",
        )
    check(owners, cooperative)
    Project.objects.filter(
        public_id=project.public_id, choice__selection__cooperative=cooperative
    ).update(owner=owners.owner, co_owner=owners.co_owner)
    project.owner, project.co_owner = owners.owner, owners.co_owner


# Once submitted, a selection's content waits for the federation, and the validated one
# is followed over the year: who carries a project may still change, nothing else.
REASSIGNABLE = (Status.SUBMITTED, Status.VALIDATED)
# The reason simple-history keeps with each version changed (a hundred characters at most):
# a record, kept in the portal's language whoever reads it.
REASSIGNED = "Porteurs modifiés après soumission"
REFERENTS_REASSIGN = gettext_lazy(
    "Seuls les référents changent les porteurs d'un projet d'une sélection soumise ou validée."
)


def may_reassign(membership: Membership, selection: Selection) -> bool:
    """Référents change the owners of a submitted or validated selection's projects."""
    return membership.role == Membership.Role.REFERENT and selection.status in REASSIGNABLE


def reassign(project: Project, owners: Owners, *, by: Membership) -> None:
    """Name other owners of a project whose selection is submitted or validated.

    Only the owners change, on every version of the lineage in the cooperative,
    each version saved so that its history records who changed them and why.
    """
    if not may_reassign(by, project.choice.selection):
        raise OwnershipError(str(REFERENTS_REASSIGN), "owner")
    if owners == Owners.of(project):
        return
    check(owners, by.cooperative)
    with transaction.atomic():
        versions = Project.objects.select_for_update().filter(
            public_id=project.public_id, choice__selection__cooperative=by.cooperative
        )
        for version in versions:
            version.owner, version.co_owner = owners.owner, owners.co_owner
            # simple-history's documented hooks: who made the change, and why.
            version._history_user = by.user  # type: ignore[attr-defined]
            version._change_reason = REASSIGNED  # type: ignore[attr-defined]
            version.save(update_fields=["owner", "co_owner"])
    project.owner, project.co_owner = owners.owner, owners.co_owner
