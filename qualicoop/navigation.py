from coops.access import is_reviewer


def navigation(request):
    """What the header needs to show the right links to the right people."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_reviewer": False}
    return {"nav_is_reviewer": is_reviewer(user)}
