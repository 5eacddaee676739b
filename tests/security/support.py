"""Helpers of the security tests: the roles, database snapshots, login redirections."""

from urllib.parse import parse_qs, urlsplit

from django.apps import apps

# The people of the matrices, in the order of their columns. "contributor_a_own" is
# a contributeur of A whom a référent limited to the projects she carries: she
# carries none of the world's. "guest_a" reads A's workspace as a guest; "guest_a_expired"
# did until yesterday.
ROLES = (
    "anonymous",
    "contributor_a",
    "referent_a",
    "staff_b",
    "reviewer",
    "admin",
    "contributor_a_own",
    "guest_a",
    "guest_a_expired",
)

# Rows that change on their own when someone merely logs in or browses.
VOLATILE_MODELS = {"sessions.session"}
VOLATILE_FIELDS = {"auth.user": {"last_login"}}


def database_snapshot():
    """Every row of every table that holds the portal's data, as plain values.

    Compared before and after a refused request: nothing at all may change.
    """
    snapshot = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if label in VOLATILE_MODELS:
            continue
        skipped = VOLATILE_FIELDS.get(label, set())
        names = [f.attname for f in model._meta.concrete_fields if f.name not in skipped]
        snapshot[label] = list(model._default_manager.order_by("pk").values_list(*names))
    return snapshot


def assert_login_redirect(response, login_path, requested):
    """A 302 to ``login_path`` that brings the visitor back to ``requested`` afterwards."""
    assert response.status_code == 302, response.status_code
    location = urlsplit(response["Location"])
    assert location.path == login_path
    assert parse_qs(location.query)["next"] == [requested]
