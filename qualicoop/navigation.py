from functools import partial

from coops.access import is_reviewer, may_import

from .accounts.notifications import unread_count
from .accounts.session import EXPIRES_AT, WARN_BEFORE_SECONDS


def navigation(request):
    """What the header needs to show the right links to the right people.

    For a signed-in user, also when the session ends, for the expiry notice.
    Whether they are a reviewer and how many of their notifications are
    unread are callables, which the template calls, so that only pages
    showing the header pay for their queries (an export, a JSON answer or a
    one-line page do not); whether they may import cooperatives likewise:
    only the federation's tabs ask.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_reviewer": False}
    return {
        "nav_is_reviewer": partial(is_reviewer, user),
        "session_expires_at": request.session.get(EXPIRES_AT, ""),
        "session_warn_before": WARN_BEFORE_SECONDS,
        "nav_unread_notifications": partial(unread_count, user),
        "nav_may_import": partial(may_import, user),
    }
