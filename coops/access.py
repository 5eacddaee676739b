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
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import QuerySet
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


# The rights the header and the federation pages ask about on every page: read
# with the user itself (``qualicoop.accounts.backends``), not one query each.
PAGE_PERMISSIONS = (REVIEW_PERMISSION, IMPORT_PERMISSION)


def held_sql(user_alias: str) -> str:
    """SQL: whether the user row ``user_alias`` holds a permission, held directly or
    through a group; two parameters follow, the permission's app label and codename.

    Written in SQL rather than with the ORM: built by the ORM, the same EXISTS
    took 1.5 ms a page, most of it constructing the query and PostgreSQL
    planning its joins (measured in docs/benchmarks.md); this one plans in a
    third of a millisecond, alone or inside the query that loads the user.
    """
    tables = {
        "permission": Permission._meta.db_table,
        "content_type": ContentType._meta.db_table,
        "user_permissions": User.user_permissions.through._meta.db_table,
        "user_groups": User.groups.through._meta.db_table,
        "group_permissions": Group.permissions.through._meta.db_table,
    }
    # Table names from the models, the alias from our code: no input reaches this SQL.
    return (  # noqa: S608
        "EXISTS (SELECT 1 FROM {permission} p JOIN {content_type} ct ON ct.id = p.content_type_id"
        " WHERE ct.app_label = %s AND p.codename = %s AND ("
        "EXISTS (SELECT 1 FROM {user_permissions} up"
        " WHERE up.user_id = {user}.id AND up.permission_id = p.id)"
        " OR EXISTS (SELECT 1 FROM {user_groups} ug"
        " JOIN {group_permissions} gp ON gp.group_id = ug.group_id"
        " WHERE ug.user_id = {user}.id AND gp.permission_id = p.id)))"
    ).format(user=user_alias, **tables)


def held_params(permission: str) -> list[str]:
    """The parameters of ``held_sql`` for ``"app_label.codename"``."""
    return permission.split(".", 1)


def remember_held(user: User, answers: dict[str, bool]) -> None:
    """Answers of ``held_sql`` read elsewhere (with the user), kept where ``holds`` looks."""
    _remembered(user).update(answers)


def _remembered(user: AnyUser) -> dict[str, bool]:
    # An attribute, not ``user.__dict__``: ``request.user`` is a lazy wrapper,
    # whose attributes, unlike its ``__dict__``, are those of the user.
    if not hasattr(user, "_held_permissions"):
        user._held_permissions = {}  # type: ignore[union-attr]
    return user._held_permissions  # type: ignore[union-attr]


def holds(user: AnyUser, permission: str) -> bool:
    """``user.has_perm(permission)`` of Django's model backend, in one EXISTS query.

    Active superusers hold every permission. The answer is remembered on the
    user object for the request; those of ``PAGE_PERMISSIONS`` come with the
    user when it is loaded for the request. ``has_perm`` loads every permission
    of the user and of its groups (two queries) to answer one question, and
    the header asks on every page.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    remembered = _remembered(user)
    if permission not in remembered:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT {held_sql('u')} FROM {User._meta.db_table} u WHERE u.id = %s",  # noqa: S608 - table names from the models
                [*held_params(permission), user.pk],
            )
            remembered[permission] = bool(cursor.fetchone()[0])
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


def may_edit_profile(membership: Membership) -> bool:
    """Référents keep the cooperative's profile facts; contributeurs read them."""
    return membership.role == Membership.Role.REFERENT


def may_manage_integrations(membership: Membership) -> bool:
    """Référents manage what lets other tools in or out (API keys, webhooks: each holds a
    secret); contributeurs do not see them."""
    return membership.role == Membership.Role.REFERENT


def cooperatives_of(user: AnyUser) -> QuerySet[Cooperative]:
    """The cooperatives a user works for or reads as a guest (until its end), as a queryset."""
    if not user.is_authenticated:
        return Cooperative.objects.none()
    return Cooperative.objects.filter(
        memberships__in=Membership.objects.current().filter(user=user)
    )


def membership_or_404(user: AnyUser, slug: str) -> Membership:
    """The user's membership of the cooperative ``slug``, or 404 (a guest's, after its end)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.current().select_related("cooperative"),
        user=user,
        cooperative__slug=slug,
    )


def require_reviewer(user: AnyUser) -> None:
    """Federation pages are invisible (404) to anyone but reviewers."""
    if not is_reviewer(user):
        raise Http404
