"""Who may see or change which cooperative's work — written once.

Every view that touches a cooperative-owned object resolves it through these
functions, so that the rule lives in one place and one test matrix covers it:

* another cooperative's object is a 404 (its existence is not even revealed);
* a member whose role does not allow the action gets a 403;
* reviewers hold the ``commitments.review_selection`` permission and see every
  cooperative through the federation pages, never through the workspace.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from .models import Cooperative, Membership

REVIEW_PERMISSION = "commitments.review_selection"


def is_reviewer(user):
    """Holds the review permission; active superusers hold every permission.

    The same answer as ``user.has_perm``, in one EXISTS query remembered on the
    user object for the request: ``has_perm`` loads every permission of the
    user and of its groups (two queries), and the header asks on every page.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not hasattr(user, "_is_reviewer"):
        user._is_reviewer = reviewers().filter(pk=user.pk).exists()
    return user._is_reviewer


def reviewers():
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


def cooperatives_of(user):
    """The cooperatives a user works for, as a queryset."""
    if not user.is_authenticated:
        return Cooperative.objects.none()
    return Cooperative.objects.filter(memberships__user=user)


def membership_or_404(user, slug):
    """The user's membership of the cooperative ``slug``, or 404."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        Membership.objects.select_related("cooperative"), user=user, cooperative__slug=slug
    )


def require_submit_right(membership):
    """Submitting engages the cooperative: only its référents may do it."""
    if not membership.may_submit:
        raise PermissionDenied(_("Seul un référent de la coopérative peut soumettre la sélection."))


def require_reviewer(user):
    """Federation pages are invisible (404) to anyone but reviewers."""
    if not is_reviewer(user):
        raise Http404
