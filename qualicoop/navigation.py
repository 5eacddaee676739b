from coops.access import is_reviewer

from .accounts.session import EXPIRES_AT, WARN_BEFORE_SECONDS


def navigation(request):
    """What the header needs to show the right links to the right people.

    For a signed-in user, also when the session ends, for the expiry notice.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_reviewer": False}
    return {
        "nav_is_reviewer": is_reviewer(user),
        "session_expires_at": request.session.get(EXPIRES_AT, ""),
        "session_warn_before": WARN_BEFORE_SECONDS,
    }
