"""A person's notifications in the portal: the list, one opened, all marked read.

They are written by ``commitments.notifications`` along with each email about
a selection, a review, a progress update or a reminder; here they are only
read and marked read. Each person sees their own and nobody else's: another
person's notification is a 404, as if it did not exist.

What keeps the table bounded: a notification exists only alongside an email
of a move or a reminder (a handful per person and campaign), and the daily
``purge_inactive_accounts`` deletes those read more than a year ago
(``retention.purge_read_notifications``).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser, User
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from commitments.models import Notification

PER_PAGE = 20


class SignedInRequest(HttpRequest):
    """The request of a view behind ``login_required``: its user is signed in."""

    user: User


def unread_sql(user_alias: str) -> str:
    """SQL: the number of unread notifications of the user row ``user_alias``.

    For the query that loads the signed-in user (``qualicoop.accounts.backends``),
    which then calls ``remember_unread_count``: the header's count costs no
    query of its own.
    """
    table = Notification._meta.db_table
    # The table name from the model, the alias from our code: no input reaches this SQL.
    return (
        f"(SELECT COUNT(*) FROM {table} n"  # noqa: S608
        f" WHERE n.user_id = {user_alias}.id AND n.read_at IS NULL)"
    )


def remember_unread_count(user: User, count: int) -> None:
    user._unread_notifications = count  # type: ignore[attr-defined]


def unread_count(user: User | AnonymousUser) -> int:
    """How many of ``user``'s notifications are unread: one COUNT on the (user, read_at) index.

    Remembered on the user object for the request, as the header may ask more
    than once while a page renders; usually counted already by the query that
    loaded the user (``unread_sql``).
    """
    if not user.is_authenticated:
        return 0
    # Attributes, not ``user.__dict__``: ``request.user`` is a lazy wrapper,
    # whose attributes, unlike its ``__dict__``, are those of the user.
    if not hasattr(user, "_unread_notifications"):
        user._unread_notifications = Notification.objects.filter(  # type: ignore[union-attr]
            user=user, read_at__isnull=True
        ).count()
    return user._unread_notifications  # type: ignore[union-attr]


def _forget_unread_count(user: User) -> None:
    # Marking read happens before the page renders: the header then counts afresh.
    if hasattr(user, "_unread_notifications"):
        del user._unread_notifications  # type: ignore[attr-defined]


@login_required
@require_safe
def notification_list(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: their own notifications, newest first; those shown are then read."""
    page_obj = Paginator(
        Notification.objects.filter(user=request.user).order_by("-created_at", "-pk"), PER_PAGE
    ).get_page(request.GET.get("page"))
    shown = list(page_obj.object_list)
    # Which were unread is kept for this rendering, before they are marked read.
    unread = {notification.pk for notification in shown if notification.read_at is None}
    if unread:
        Notification.objects.filter(pk__in=unread, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        _forget_unread_count(request.user)
    return render(
        request,
        "accounts/notifications.html",
        {"page_obj": page_obj, "notifications": shown, "unread": unread},
    )


def _is_site_path(url: str) -> bool:
    """A path of this site ("/espace/…"), nothing with a scheme or a host of its own."""
    return url.startswith("/") and url_has_allowed_host_and_scheme(url, allowed_hosts=set())


@login_required
@require_safe
def notification_open(request: SignedInRequest, pk: int) -> HttpResponse:
    """Any signed-in user, on their own notification: mark it read and go where it points.

    Someone else's is a 404. A link that is not a path of this site is never
    followed (an open redirect): back to the list instead.
    """
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
            read_at=timezone.now()
        )
    if notification.url and _is_site_path(notification.url):
        return redirect(notification.url)
    return redirect("accounts:notifications")


@login_required
@require_POST
def notifications_read(request: SignedInRequest) -> HttpResponse:
    """Any signed-in user: mark all of their own notifications read."""
    marked = Notification.objects.filter(user=request.user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if marked:
        messages.success(request, _("Toutes vos notifications sont marquées comme lues."))
    return redirect("accounts:notifications")
