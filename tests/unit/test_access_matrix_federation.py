"""Every federation URL × every role (STYLE.md: the rule is written once, tested once).

Federation pages are for reviewers: an anonymous visitor is sent to the login
page, cooperative staff — référente or contributeur, even about their own
cooperative — get a 404, reviewers and superusers (who hold every permission)
get the page, or a redirection after a POST.
"""

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from commitments import workflow
from tests import factories

GET, POST = "get", "post"

# (method, url name, what the URL points at, kwargs, POST data, what a reviewer gets)
ROUTES = [
    (GET, "queue", None, {}, None, 200),
    (GET, "dashboard", None, {}, None, 200),
    (GET, "review", "submitted", {}, None, 200),
    (POST, "decide", "submitted", {}, {"decision": "valider", "message": ""}, 302),
    (
        POST,
        "decide",
        "submitted",
        {},
        {"decision": "modifications", "message": "Précisez l'engagement 2."},
        302,
    ),
    (GET, "reopen", "validated", {}, None, 200),
    (POST, "reopen", "validated", {}, {"message": ""}, 302),
    (GET, "export", None, {"kind": "selections", "fmt": "csv"}, None, 200),
    (GET, "export", None, {"kind": "selections", "fmt": "xlsx"}, None, 200),
    (GET, "export", None, {"kind": "projets", "fmt": "csv"}, None, 200),
    (GET, "export", None, {"kind": "projets", "fmt": "xlsx"}, None, 200),
]

ROLES = ["anonymous", "staff_a", "contributor_a", "reviewer", "superuser"]


@pytest.fixture
def targets(campaign, coop_a, coop_b, reviewer):
    """A's selection submitted (A's own staff still may not review it), B's validated."""
    submitted = factories.make_selection(coop_a, campaign, numbers=range(1, 9))
    workflow.submit_selection(selection=submitted, by=None)
    validated = factories.make_published(coop_b, campaign, reviewer)
    return {"submitted": submitted, "validated": validated}


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("sophie", "sophie@example.org", factories.PASSWORD)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("method", "name", "target", "kwargs", "data", "allowed"), ROUTES)
def test_it_applies_the_access_rules(
    client, request, targets, staff_a, contributor_a, reviewer, role, method, name, target,
    kwargs, data, allowed,
):  # fmt: skip
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    if target:
        kwargs = {**kwargs, "pk": targets[target].pk}
    url = reverse(f"federation:{name}", kwargs=kwargs)

    response = getattr(client, method)(url, data or {})

    if role == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif role in ("staff_a", "contributor_a"):
        assert response.status_code == 404
    else:
        assert response.status_code == allowed
        if method == POST:
            assert "/compte/" not in response["Location"]
