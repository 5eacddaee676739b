"""Text containing HTML or JavaScript is shown escaped everywhere, and exported verbatim.

Every text a person types — a cooperative's name and presentation (the
admin), a project's fields (staff), a message and a remark (reviewers), an
engagement's title (the admin) — holds a script and an image with an
``onerror``, each tagged with where it comes from. No page may contain the raw
tags; each page shows the escaped text of the sources it displays. Emails are
plain text and carry the text as typed; exports are data, not HTML: verbatim,
but with spreadsheet formulas neutralised.
"""

import csv
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.urls import reverse
from django.utils.html import escape
from openpyxl import load_workbook

from commitments import workflow
from commitments.models import Engagement, Project, Remark, Selection, Transition
from coops.models import Cooperative
from tests.notification_support import choose


def hostile(source):
    """A text that runs a script wherever it is not escaped; ``source`` tells whose it is."""
    return f'<script>alert("{source}")</script>"><img src=x onerror=alert("{source}")>'


RAW_TAGS = ("<script>alert(", "<img src=x")
# Spreadsheets run these as formulas: each field starts with one.
FORMULAS = {"description": "=1+1 ", "objectives": "@SUM(A1) ", "indicators": "-2+3 "}


def assert_escaped(html, *sources):
    """No raw tag anywhere; the escaped text of each of ``sources`` is shown."""
    for raw in RAW_TAGS:
        assert raw not in html
    for source in sources:
        assert escape(hostile(source)) in html, source


@pytest.fixture
def hostile_world(db, world, django_capture_on_commit_callbacks):
    """A's texts are all hostile; both of A's selections carry a hostile decision.

    The earlier campaign's selection is resubmitted after a request for
    changes, so that its review page shows a diff of hostile texts; the
    current one has changes requested, so that the workspace shows them.
    """
    coop = world.coop_a
    Cooperative.objects.filter(pk=coop.pk).update(
        name=hostile("coop"), description=hostile("presentation")
    )
    Engagement.objects.filter(number=1).update(title=hostile("engagement"))
    Project.objects.filter(choice__selection__cooperative=coop).update(
        title=hostile("title"),
        **{name: prefix + hostile(name) for name, prefix in FORMULAS.items()},
    )
    reviewer, referent = world.users["reviewer"], world.users["referent_a"]
    # Each submission reaches the reviewer as its own e-mail, not in a digest.
    choose(reviewer, to_review="immediate")
    remarks = {Engagement.objects.get(number=1): hostile("remark")}
    earlier = Selection.objects.get(pk=world.submitted.pk)
    draft = Selection.objects.get(pk=world.draft.pk)
    with django_capture_on_commit_callbacks(execute=True):
        workflow.request_changes(
            selection=earlier, by=reviewer, message=hostile("message"), remarks=remarks
        )
        workflow.submit_selection(
            selection=earlier,
            by=referent,
            message=hostile("submission"),
            today=earlier.campaign.opens_on,
        )
        workflow.submit_selection(selection=draft, by=referent, message=hostile("submission"))
        workflow.request_changes(
            selection=draft, by=reviewer, message=hostile("message"), remarks=remarks
        )
    return world


ALL_PROJECT_FIELDS = ("title", "description", "objectives", "indicators")


def _transition(w):
    return Transition.objects.filter(message=hostile("message")).first().pk


def _remark(w):
    return Remark.objects.filter(text=hostile("remark")).first().pk


# (id, role, URL, the sources the page shows)
PAGES = [
    ("public-home", "anonymous", lambda w: reverse("public:home"), ["engagement"]),
    (
        "public-engagement",
        "anonymous",
        lambda w: reverse("public:engagement", args=[1]),
        ["engagement", "coop", *ALL_PROJECT_FIELDS],
    ),
    ("public-directory", "anonymous", lambda w: reverse("public:cooperatives"), ["coop"]),
    (
        "public-profile",
        "anonymous",
        lambda w: reverse("public:cooperative", args=[w.coop_a.slug]),
        ["coop", "presentation", "engagement", *ALL_PROJECT_FIELDS],
    ),
    (
        "projects",
        "anonymous",
        lambda w: reverse("discovery:projects"),
        ["coop", "title", "description"],
    ),
    ("statistics", "anonymous", lambda w: reverse("discovery:statistics"), ["coop"]),
    (
        "workspace-dashboard",
        "referent_a",
        lambda w: reverse("workspace:dashboard", args=[w.coop_a.slug]),
        ["coop", "message", "engagement"],
    ),
    (
        "workspace-engagement",
        "referent_a",
        lambda w: reverse("workspace:engagement", args=[w.coop_a.slug, 1]),
        ["engagement", "remark", "title", "description"],
    ),
    (
        "workspace-project-form",
        "referent_a",
        lambda w: reverse("workspace:project_edit", args=[w.coop_a.slug, w.project.pk]),
        ["engagement", *ALL_PROJECT_FIELDS],
    ),
    (
        "workspace-choice",
        "referent_a",
        lambda w: reverse("workspace:choose", args=[w.coop_a.slug]),
        ["engagement"],
    ),
    ("federation-queue", "reviewer", lambda w: reverse("federation:queue"), ["coop"]),
    (
        "federation-queue-earlier-campaign",
        "reviewer",
        lambda w: reverse("federation:queue") + f"?campagne={w.submitted.campaign.slug}",
        ["coop"],
    ),
    (
        "federation-review-resubmitted",
        "reviewer",
        lambda w: reverse("federation:review", args=[w.submitted.pk]),
        ["coop", "engagement", "message", "remark", "submission", *ALL_PROJECT_FIELDS],
    ),
    (
        "federation-review-changes-requested",
        "reviewer",
        lambda w: reverse("federation:review", args=[w.draft.pk]),
        ["coop", "message", "remark", "submission"],
    ),
    ("federation-dashboard", "reviewer", lambda w: reverse("federation:dashboard"), ["coop"]),
    (
        "federation-reopen",
        "reviewer",
        lambda w: reverse("federation:reopen", args=[w.validated.pk]),
        ["coop"],
    ),
    (
        "admin-project-list",
        "admin",
        lambda w: reverse("admin:commitments_project_changelist"),
        ["title", "coop"],
    ),
    (
        "admin-project",
        "admin",
        lambda w: reverse("admin:commitments_project_change", args=[w.project.pk]),
        ALL_PROJECT_FIELDS,
    ),
    (
        "admin-cooperative-list",
        "admin",
        lambda w: reverse("admin:coops_cooperative_changelist"),
        ["coop"],
    ),
    (
        "admin-cooperative",
        "admin",
        lambda w: reverse("admin:coops_cooperative_change", args=[w.coop_a.pk]),
        ["coop", "presentation"],
    ),
    (
        "admin-transition-list",
        "admin",
        lambda w: reverse("admin:commitments_transition_changelist"),
        ["coop"],
    ),
    (
        "admin-transition",
        "admin",
        lambda w: reverse("admin:commitments_transition_change", args=[_transition(w)]),
        ["coop", "message"],
    ),
    (
        "admin-remark-list",
        "admin",
        lambda w: reverse("admin:commitments_remark_changelist"),
        ["remark"],
    ),
    (
        "admin-remark",
        "admin",
        lambda w: reverse("admin:commitments_remark_change", args=[_remark(w)]),
        ["remark"],
    ),
    (
        "admin-selection",
        "admin",
        lambda w: reverse("admin:commitments_selection_change", args=[w.draft.pk]),
        ["coop", "message"],
    ),
]


@pytest.mark.parametrize(
    ("role", "url", "sources"),
    [pytest.param(role, url, sources, id=ident) for ident, role, url, sources in PAGES],
)
def test_it_shows_hostile_text_escaped(as_role, hostile_world, role, url, sources):
    response = as_role(role).get(url(hostile_world))

    assert response.status_code == 200
    assert_escaped(response.content.decode(), *sources)


def test_it_highlights_a_search_term_inside_hostile_text(as_role, hostile_world):
    response = as_role("anonymous").get(reverse("discovery:projects"), {"q": "alert"})

    html = response.content.decode()
    assert_escaped(html)
    # The matched word is marked, everything around it stays escaped.
    assert "&lt;script&gt;<mark>alert</mark>(&quot;title&quot;)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=<mark>alert</mark>(&quot;title&quot;)&gt;" in html


def test_it_shows_the_diff_of_hostile_text_escaped(as_role, hostile_world):
    response = as_role("reviewer").get(
        reverse("federation:review", args=[hostile_world.submitted.pk])
    )

    diff = response.context["diff"]
    assert diff.has_changes
    html = response.content.decode()
    assert_escaped(html)
    # The words added by the resubmission are marked as such, escaped inside.
    assert '<ins class="diff-added">&lt;script&gt;alert(&quot;title&quot;)' in html


def test_it_shows_a_conflict_with_hostile_text_escaped(as_role, hostile_world):
    """Both versions of a concurrent edit are shown: the one saved and the one typed."""
    project = hostile_world.project
    Project.objects.filter(pk=project.pk).update(version=project.version + 1)
    typed = {name: hostile(f"typed-{name}") for name in ALL_PROJECT_FIELDS}

    response = as_role("referent_a").post(
        reverse("workspace:project_edit", args=[hostile_world.coop_a.slug, project.pk]),
        {**typed, "target_date": "", "progress": "planned", "version": str(project.version)},
    )

    assert response.status_code == 409
    sources = [*ALL_PROJECT_FIELDS, *(f"typed-{name}" for name in ALL_PROJECT_FIELDS)]
    assert_escaped(response.content.decode(), *sources)


def _plain_text(message):
    assert message.content_subtype == "plain"
    assert not getattr(message, "alternatives", None)
    return message.body


def test_it_sends_hostile_text_verbatim_in_plain_text_emails(hostile_world):
    to_reviewers = [m for m in mail.outbox if m.to == ["reviewer@example.org"]]
    to_alice = [m for m in mail.outbox if m.to == ["alice@example.org"]]

    # Two submissions, two requests for changes.
    assert len(to_reviewers) == len(to_alice) == 2
    for message in to_reviewers:
        # A subject is no HTML either: the name as typed.
        assert hostile("coop") in message.subject
        assert hostile("submission") in _plain_text(message)
    for message in to_alice:
        body = _plain_text(message)
        assert hostile("message") in body
        assert hostile("remark") in body
        assert "&lt;" not in body and "&quot;" not in body


@pytest.fixture
def validated_by_reviewer(hostile_world, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        workflow.validate_selection(
            selection=Selection.objects.get(pk=hostile_world.submitted.pk),
            by=User.objects.get(username="reviewer"),
            message=hostile("validation"),
        )


def test_it_sends_a_hostile_name_verbatim_when_validating(validated_by_reviewer):
    (message,) = [m for m in mail.outbox if m.to == ["alice@example.org"]]

    body = _plain_text(message)
    assert hostile("coop") in body
    assert hostile("validation") in body
    assert "&lt;" not in body


def _csv_rows(response, delimiter):
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _assert_neutralised(cells):
    """The project's cells: the title as typed, each formula behind an apostrophe."""
    assert hostile("title") in cells
    for name, prefix in FORMULAS.items():
        assert f"'{prefix}{hostile(name)}" in cells, name
        assert f"{prefix}{hostile(name)}" not in cells, name


@pytest.mark.parametrize("kind", ["projets", "selections"])
def test_it_exports_hostile_text_verbatim_in_csv(as_role, hostile_world, kind):
    response = as_role("reviewer").get(
        reverse("federation:export", kwargs={"kind": kind, "fmt": "csv"}),
        {"campagne": hostile_world.submitted.campaign.slug},
    )

    # Semicolons, as Excel expects them in a French locale.
    ours = [row for row in _csv_rows(response, ";") if hostile("coop") in row]
    assert ours
    if kind == "projets":
        _assert_neutralised(ours[0])


def test_it_exports_hostile_text_verbatim_in_xlsx(as_role, hostile_world):
    response = as_role("reviewer").get(
        reverse("federation:export", kwargs={"kind": "projets", "fmt": "xlsx"}),
        {"campagne": hostile_world.submitted.campaign.slug},
    )

    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows()]
    ours = [row for row in rows if hostile("coop") in [cell.value for cell in row]]
    assert ours
    # Text cells: each formula kept exactly as typed, and typed as text, not as a formula.
    values = [cell.value for cell in ours[0]]
    for name, prefix in FORMULAS.items():
        assert f"{prefix}{hostile(name)}" in values, name
    assert all(cell.data_type != "f" for cell in ours[0])


def test_it_publishes_hostile_text_verbatim_in_valid_json(as_role, hostile_world):
    download = as_role("anonymous").get(reverse("discovery:opendata_json"))
    api = as_role("anonymous").get(reverse("discovery:api_projects"))

    records = json.loads(b"".join(download.streaming_content))["donnees"]
    listed = json.loads(api.content)["results"]
    for found in (records, listed):
        ours = [record for record in found if record["cooperative_nom"] == hostile("coop")]
        assert ours
        assert ours[0]["titre"] == hostile("title")
        assert ours[0]["description"] == FORMULAS["description"] + hostile("description")


@pytest.mark.parametrize(
    ("address", "separator"),
    [
        (reverse("discovery:opendata_csv"), ";"),
        (reverse("discovery:opendata_dataset_csv_comma", args=["projets"]), ","),
    ],
)
def test_it_publishes_hostile_text_neutralised_in_csv(as_role, hostile_world, address, separator):
    response = as_role("anonymous").get(address)

    ours = [row for row in _csv_rows(response, separator) if hostile("coop") in row]
    assert ours
    _assert_neutralised(ours[0])
