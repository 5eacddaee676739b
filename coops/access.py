"""Who may see or change which cooperative's work — written once.

Every view that touches a cooperative-owned object resolves it through these
functions, so that the rule lives in one place and one test matrix covers it:

* another cooperative's object is a 404 (its existence is not even revealed);
* a member whose role does not allow the action gets a 403;
* reviewers hold the ``commitments.review_selection`` permission and see every
  cooperative through the federation pages, never through the workspace.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, Group, Permission, User
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Cooperative, Membership

REVIEW_PERMISSION = "commitments.review_selection"
# The group that gives reviewers their permission.
REVIEWERS_GROUP = "Fédération"
# Who may bring cooperatives in (the import) and invite their first référents.
IMPORT_PERMISSION = "coops.add_cooperative"

# Who may be asking: a signed-in user or an anonymous visitor.
AnyUser = User | AnonymousUser


def holds(user: AnyUser, permission: str) -> bool:
    """``user.has_perm(permission)`` of Django's model backend, in one EXISTS query.

    Active superusers hold every permission. The answer is remembered on the
    user object for the request. ``has_perm`` loads every permission of the
    user and of its groups (two queries) to answer one question, and the
    header asks on every page; asked of the permission itself, held directly
    or through a group, it is also a third of the time of
    ``reviewers().filter(pk=…)``, whose query takes 0.8 ms to build
    (measured in docs/benchmarks.md).
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    remembered = user.__dict__.setdefault("_held_permissions", {})
    if permission not in remembered:
        app_label, codename = permission.split(".")
        remembered[permission] = Permission.objects.filter(
            Q(user=user) | Q(group__user=user),
            codename=codename,
            content_type__app_label=app_label,
        ).exists()
    return remembered[permission]


def is_reviewer(user: AnyUser) -> bool:
    """Holds the review permission (the "Fédération" group gives it)."""
    return holds(user, REVIEW_PERMISSION)


def reviewers() -> QuerySet[User]:
    """Active users holding the review permission, directly or through a group.

    Superusers hold every permission but administer the site: only the people
    given the permission (the "Fédération" group) are reviewers to notify.
    The permission lives in Django's model backend, the one to ask.
    """
    return get_user_model().objects.with_perm(
        REVIEW_PERMISSION,
        is_active=True,
        include_superusers=False,
        backend="django.contrib.auth.backends.ModelBackend",
    )


def ensure_reviewers_group() -> Group:
    """The "Fédération" group, holding the review permission (named, not imported)."""
    app_label, codename = REVIEW_PERMISSION.split(".")
    group, _created = Group.objects.get_or_create(name=REVIEWERS_GROUP)
    group.permissions.add(
        Permission.objects.get(codename=codename, content_type__app_label=app_label)
    )
    return group


def may_import(user: AnyUser) -> bool:
    """Federation administrators: superusers, or those given the right to add cooperatives."""
    return holds(user, IMPORT_PERMISSION)


def may_manage_team(membership: Membership) -> bool:
    """Référents invite, change roles and remove members; contributeurs only see the team."""
    return membership.role == Membership.Role.REFERENT


def cooperatives_of(user: AnyUser) -> QuerySet[Cooperative]:
    """The cooperatives a user works for, as a queryset."""
    if not user.is_authenticated:
        return Cooperative.objects.none()
    return Cooperative.objects.filter(memberships__user=user)


def membership_or_404(user: AnyUser, slug: str) -> Membership:
    """The user's membership of the cooperative ``slug``, or 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("cooperative"), user=user, cooperative__slug=slug
    )


def require_reviewer(user: AnyUser) -> None:
    """Federation pages are invisible (404) to anyone but reviewers."""
    if not is_reviewer(user):
        raise Http404
