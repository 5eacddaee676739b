"""Whatever is typed or tampered with, the portal answers calmly (property-based).

Hypothesis posts arbitrary values — unicode, NUL characters, 100,000-character
strings, numbers, lists where one value is expected, missing fields — to every
form, and arbitrary values to every query parameter and URL argument. The
answer is always a 200 (with the French message next to the field), a 302, a
400, a 403, a 404 or a 405, never a 500; and nothing changes in the data of a
cooperative the user has no business with.

Each example runs in a savepoint rolled back after it, so that one example's
successful save does not change what the next one starts from.
"""

from contextlib import contextmanager
from urllib.parse import quote, urlencode

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from commitments.models import Choice, Project, Remark, Selection, Transition
from coops.models import Cooperative, Membership

CALM = {200, 302, 400, 403, 404, 405}
NUL_REFUSED = ["Le caractère nul n’est pas autorisé."]

EXAMPLES = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Values that have broken web applications before.
NASTY = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "titre\x00caché",
        "x" * 100_000,
        "é" * 100_001,
        "0",
        "-1",
        str(10**30),
        "1e5",
        "١٢",  # Arabic-Indic digits, which int() accepts
        "null",
        "<script>alert(1)</script>",
        "'; DROP TABLE commitments_project; --",
        "%00",
        "../../etc/passwd",
        "\u202eesrever",
        "🏠" * 50,
        "\r\n\t",
        "2025-02-30",
        "31/12/99999",
        "0001-01-01",
    ]
)
NUMBERS = st.one_of(
    st.integers(min_value=-(10**6)),
    st.sampled_from([0, 13, 2**31, 2**63 - 1, 2**63, 2**64, 10**30, 10**100]),
).map(str)
SCALAR = st.one_of(NASTY, st.text(max_size=300), NUMBERS)
SLUGS = st.one_of(
    st.from_regex(r"[-a-zA-Z0-9_]{1,80}", fullmatch=True),
    st.text(min_size=1, max_size=60),
    st.sampled_from(["coopérative-alpha", "cooperative-beta", "%00", "..", "a" * 300]),
).map(lambda slug: quote(slug, safe=""))

# A list where one value is expected: the test client sends the field several times.
VALUE = st.one_of(SCALAR, st.lists(SCALAR, min_size=2, max_size=3))


def form_data(*names):
    """A POST body over ``names``, each field sent with any value or left out."""
    return st.fixed_dictionaries({}, optional=dict.fromkeys(names, VALUE))


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def cooperative_rows(cooperative):
    """Everything that belongs to ``cooperative``, as plain values."""
    selections = Selection.objects.filter(cooperative=cooperative)
    querysets = [
        Cooperative.objects.filter(pk=cooperative.pk),
        Membership.objects.filter(cooperative=cooperative),
        selections,
        Choice.objects.filter(selection__in=selections),
        Project.objects.filter(choice__selection__in=selections),
        Transition.objects.filter(selection__in=selections),
        Remark.objects.filter(transition__selection__in=selections),
    ]
    return [list(queryset.order_by("pk").values()) for queryset in querysets]


# Django's English messages, which must never reach a French page.
ENGLISH = ("This field", "Enter a", "Ensure this", "Select a valid", "Null characters", "Please")


def assert_french_errors_shown(response):
    """Each error of the page's form is in French, and shown with its field.

    A hidden field's error, or one of a field the page does not show (the
    decision on a selection already decided), has nowhere to be shown.
    """
    form = (response.context or {}).get("form")
    if form is None or not form.is_bound:
        return
    html = response.content.decode()
    for name, errors in form.errors.items():
        for error in errors:
            assert not error.startswith(ENGLISH), error
            shown = name == "__all__" or (
                not form[name].is_hidden and f'name="{form[name].html_name}"' in html
            )
            if shown:
                assert escape(error) in html, error


def answer(client, method, path, data=None, *, also=()):
    """The response, checked to be one of the calm answers (or of ``also``)."""
    client.raise_request_exception = False
    response = getattr(client, method)(path, data or {})
    assert response.status_code in CALM.union(also), (response.status_code, path, data)
    if method == "post" and response.status_code in (200, 400):
        assert_french_errors_shown(response)
    return response


@pytest.fixture
def anonymous(as_role):
    return as_role("anonymous")


@pytest.fixture
def referent(as_role):
    return as_role("referent_a")


@pytest.fixture
def reviewer(as_role):
    return as_role("reviewer")


@pytest.fixture
def administrator(as_role):
    return as_role("admin")


# --- Forms ---------------------------------------------------------------------------


@EXAMPLES
@given(data=form_data("username", "password", "next"))
def test_it_answers_any_login(anonymous, world, axes_on, data):
    with rolled_back():
        before = cooperative_rows(world.coop_a)

        response = answer(anonymous, "post", reverse("accounts:login"), data)

        assert response.status_code == 200
        assert "_auth_user_id" not in anonymous.session
        assert cooperative_rows(world.coop_a) == before


@EXAMPLES
@given(data=form_data("email"))
def test_it_answers_any_password_reset_request(anonymous, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_a)

        answer(anonymous, "post", reverse("accounts:password_reset"), data)

        assert cooperative_rows(world.coop_a) == before


@EXAMPLES
@given(data=form_data("old_password", "new_password1", "new_password2"))
def test_it_answers_any_password_change(referent, world, data):
    with rolled_back():
        response = answer(referent, "post", reverse("accounts:password_change"), data)

        # The current password is never guessed: nothing is changed.
        assert response.status_code == 200
        assert referent.session.get("_auth_user_id")


PROJECT_FIELDS = ("title", "description", "objectives", "indicators", "target_date", "progress")


@EXAMPLES
@given(data=form_data(*PROJECT_FIELDS))
def test_it_answers_any_new_project(referent, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        response = answer(
            referent,
            "post",
            reverse("workspace:project_create", args=[world.coop_a.slug, 1]),
            data,
        )

        assert cooperative_rows(world.coop_b) == before
        if response.status_code == 200:
            assert response.context["form"].errors


@EXAMPLES
@given(data=form_data(*PROJECT_FIELDS, "version"))
def test_it_answers_any_project_edit(referent, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        url = reverse("workspace:project_edit", args=[world.coop_a.slug, world.project.pk])

        # A version other than the current one is a concurrent edit: the 409 page.
        response = answer(referent, "post", url, data, also={409})

        assert cooperative_rows(world.coop_b) == before
        if response.status_code == 200:
            assert response.context["form"].errors


@EXAMPLES
@given(
    title=st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200
    ),
    target_date=SCALAR,
)
def test_it_keeps_what_was_typed_when_a_project_is_refused(referent, world, title, target_date):
    """A form refused (for its date, say) shows the title as it was typed."""
    with rolled_back():
        data = {**dict.fromkeys(PROJECT_FIELDS, ""), "title": title, "target_date": target_date}
        data.update(description="Une description.", progress="planned")
        url = reverse("workspace:project_create", args=[world.coop_a.slug, 1])

        response = answer(referent, "post", url, data)

        if response.status_code == 200:
            assert f'value="{escape(title)}"' in response.content.decode()


@EXAMPLES
@given(data=form_data("engagements", "confirm", "lost"))
def test_it_answers_any_choice_of_engagements(referent, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(referent, "post", reverse("workspace:choose", args=[world.coop_a.slug]), data)

        assert cooperative_rows(world.coop_b) == before
        assert set(Choice.objects.values_list("engagement__number", flat=True)) <= set(range(1, 13))


@EXAMPLES
@given(data=form_data("direction"))
def test_it_answers_any_move(referent, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(
            referent,
            "post",
            reverse("workspace:project_move", args=[world.coop_a.slug, world.project.pk]),
            data,
        )

        assert cooperative_rows(world.coop_b) == before


@EXAMPLES
@given(data=form_data("message"), resume=form_data("resume"))
def test_it_answers_any_submission_or_start(referent, world, data, resume):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(referent, "post", reverse("workspace:submit", args=[world.coop_a.slug]), data)
        answer(referent, "post", reverse("workspace:start", args=[world.coop_a.slug]), resume)

        assert cooperative_rows(world.coop_b) == before


@EXAMPLES
# Remarks on the two engagements chosen, and on one not chosen.
@given(data=form_data("decision", "message", "remarque_1", "remarque_2", "remarque_13"))
def test_it_answers_any_review_decision(reviewer, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(reviewer, "post", reverse("federation:decide", args=[world.submitted.pk]), data)

        assert cooperative_rows(world.coop_b) == before
        # Remarks only ever concern the engagements the selection chose.
        assert set(Remark.objects.values_list("engagement__number", flat=True)) <= {1, 2}


@EXAMPLES
@given(data=form_data("message"))
def test_it_answers_any_reopening(reviewer, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(reviewer, "post", reverse("federation:reopen", args=[world.validated.pk]), data)

        assert cooperative_rows(world.coop_b) == before


@EXAMPLES
@given(
    data=form_data("decision", "message", "renvoi_affiche", "renvoyer", "remarque_1", "remarque_13")
)
def test_it_answers_any_partial_send_back_or_saved_review(reviewer, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(reviewer, "post", reverse("federation:decide", args=[world.submitted.pk]), data)
        answer(reviewer, "post", reverse("federation:save_review", args=[world.submitted.pk]), data)

        assert cooperative_rows(world.coop_b) == before


@EXAMPLES
@given(note=form_data("text"), decline=form_data("reason"), accept=form_data("message"))
def test_it_answers_any_note_or_reopening_answer(reviewer, world, note, decline, accept):
    reopening = world.admin_objects["commitments.reopeningrequest"]
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(reviewer, "post", reverse("federation:add_note", args=[world.submitted.pk]), note)
        answer(
            reviewer, "post", reverse("federation:reopening_decline", args=[reopening.pk]), decline
        )
        answer(
            reviewer, "post", reverse("federation:reopening_accept", args=[reopening.pk]), accept
        )

        assert cooperative_rows(world.coop_b) == before


@EXAMPLES
@given(data=form_data("message"))
def test_it_answers_any_withdrawal_or_reopening_request(referent, world, data):
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(referent, "post", reverse("workspace:withdraw", args=[world.coop_a.slug]), data)
        answer(referent, "post", reverse("workspace:ask_reopening", args=[world.coop_a.slug]), data)

        assert cooperative_rows(world.coop_b) == before


# --- Query parameters ----------------------------------------------------------------


def query(*names):
    """A query string over ``names``, each with any value or left out."""
    return form_data(*names).map(lambda params: urlencode(params, doseq=True))


# Query strings no browser would send but anyone may type.
RAW_QUERIES = st.sampled_from(
    ["q=%ff%fe", "page=%00", "q=%", "q", "=&&=", "pilier=1&pilier=2", "page=" + "9" * 400]
)
FILTERS = ("q", "pilier", "engagement", "cooperative", "page", "page_size")

PUBLIC_LISTS = [
    ("discovery:projects", []),
    ("discovery:opendata_csv", []),
    ("discovery:opendata_json", []),
    ("discovery:api_projects", []),
    ("discovery:api_engagements", []),
    ("discovery:api_cooperatives", []),
    ("discovery:statistics", []),
    ("discovery:sitemap", []),
    ("public:cooperatives", []),
    ("public:engagement", [1]),
]


@pytest.mark.parametrize(("name", "args"), PUBLIC_LISTS)
@EXAMPLES
@given(params=st.one_of(query(*FILTERS, "p"), RAW_QUERIES))
def test_it_answers_any_public_filter(anonymous, world, name, args, params):
    with rolled_back():
        answer(anonymous, "get", f"{reverse(name, args=args)}?{params}")


FEDERATION_LISTS = [
    ("federation:queue", {}),
    ("federation:dashboard", {}),
    ("federation:export", {"kind": "projets", "fmt": "csv"}),
    ("federation:export", {"kind": "selections", "fmt": "xlsx"}),
]


@pytest.mark.parametrize(("name", "kwargs"), FEDERATION_LISTS)
@EXAMPLES
@given(
    params=st.one_of(
        query("campagne", "statut", "q", "page-soumise", "page-non-commencee"), RAW_QUERIES
    )
)
def test_it_answers_any_federation_filter(reviewer, world, name, kwargs, params):
    with rolled_back():
        answer(reviewer, "get", f"{reverse(name, kwargs=kwargs)}?{params}")


@pytest.mark.parametrize(
    "model", ["commitments/project", "coops/cooperative", "django_tasks_database/dbtaskresult"]
)
@EXAMPLES
@given(
    params=st.one_of(
        query("q", "o", "p", "progress__exact", "region", "etat", "bloquee"), RAW_QUERIES
    )
)
def test_it_answers_any_admin_search(administrator, world, model, params):
    with rolled_back():
        answer(administrator, "get", f"/admin/{model}/?{params}")


@EXAMPLES
@given(params=query("app_label", "model_name", "field_name", "term"))
def test_it_answers_any_admin_autocomplete(administrator, world, params):
    with rolled_back():
        answer(administrator, "get", f"/admin/autocomplete/?{params}")


@pytest.mark.parametrize(
    "model",
    ["commitments/project", "coops/cooperative", "auth/user", "django_tasks_database/dbtaskresult"],
)
@EXAMPLES
@given(
    action=st.one_of(st.just("delete_selected"), st.just("requeue"), VALUE),
    data=form_data("_selected_action", "select_across", "index"),
)
def test_it_answers_any_admin_action(administrator, world, model, action, data):
    with rolled_back():
        answer(administrator, "post", f"/admin/{model}/", {"action": action, **data})


@EXAMPLES
@given(code=st.text(max_size=20), params=query("next"))
def test_it_answers_any_language_switch(anonymous, world, code, params):
    with rolled_back():
        response = answer(anonymous, "get", f"/langue/{quote(code, safe='')}/?{params}")

        if response.status_code == 302:
            # Back to a page of this site, never to another one.
            assert response["Location"].startswith("/")
            assert not response["Location"].startswith("//")


# --- URL arguments -------------------------------------------------------------------

# (role, URL with {slug} and {number} in it)
URL_ARGUMENTS = [
    ("anonymous", "/engagements/{number}/"),
    ("anonymous", "/cooperatives/{slug}/"),
    ("anonymous", "/api/engagements/{number}/"),
    ("anonymous", "/api/cooperatives/{slug}/"),
    ("anonymous", "/api/projets/{number}/"),
    ("anonymous", "/api/{slug}"),
    ("anonymous", "/compte/reinitialisation/{slug}/{slug}/"),
    ("referent_a", "/espace/{slug}/"),
    ("referent_a", "/espace/cooperative-alpha/engagements/{number}/"),
    ("referent_a", "/espace/{slug}/engagements/{number}/projets/nouveau/"),
    ("referent_a", "/espace/cooperative-alpha/projets/{number}/modifier/"),
    ("referent_a", "/espace/cooperative-alpha/projets/{number}/supprimer/"),
    ("reviewer", "/federation/selections/{number}/"),
    ("reviewer", "/federation/selections/{number}/rouvrir/"),
    ("reviewer", "/federation/export/{slug}.{slug}"),
    ("admin", "/admin/commitments/project/{number}/change/"),
    ("admin", "/admin/coops/cooperative/{slug}/change/"),
    ("admin", "/admin/coops/cooperative/{slug}/delete/"),
    ("admin", "/admin/commitments/project/{slug}/history/"),
    ("admin", "/admin/commitments/project/{number}/history/{slug}/"),
    ("admin", "/admin/commitments/choice/{slug}/history/{number}/"),
    ("admin", "/admin/auth/user/{slug}/password/"),
    ("admin", "/admin/r/{number}/{slug}/"),
    ("admin", "/admin/{slug}/"),
]


@pytest.mark.parametrize(("role", "template"), URL_ARGUMENTS)
@EXAMPLES
@given(number=NUMBERS, slug=SLUGS)
def test_it_answers_any_url_argument(as_role, world, role, template, number, slug):
    client = as_role(role)
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(client, "get", template.format(number=number, slug=slug))

        assert cooperative_rows(world.coop_b) == before


@pytest.mark.parametrize(
    "template",
    [
        "/espace/cooperative-alpha/projets/{number}/modifier/",
        "/espace/cooperative-alpha/projets/{number}/supprimer/",
        "/espace/cooperative-alpha/projets/{number}/deplacer/",
        "/federation/selections/{number}/decision/",
        "/federation/selections/{number}/rouvrir/",
    ],
)
@EXAMPLES
@given(number=NUMBERS)
def test_it_answers_any_id_posted_to(as_role, world, template, number):
    client = as_role("reviewer" if template.startswith("/federation/") else "referent_a")
    with rolled_back():
        before = cooperative_rows(world.coop_b)

        answer(client, "post", template.format(number=number), {"direction": "up"})

        assert cooperative_rows(world.coop_b) == before


# --- What the properties above found, kept as plain examples -------------------------


def test_it_refuses_a_nul_character_next_to_the_field(referent, world):
    url = reverse("workspace:project_create", args=[world.coop_a.slug, 1])
    before = cooperative_rows(world.coop_a)

    response = referent.post(
        url, {"title": "Titre\x00caché", "description": "Texte\x00", "progress": "planned"}
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == errors["description"] == NUL_REFUSED
    assert_french_errors_shown(response)
    assert cooperative_rows(world.coop_a) == before


def test_it_refuses_an_overlong_username_next_to_the_field(anonymous, world, axes_on):
    """Before: the failure recorded by django-axes (255 characters) broke on PostgreSQL."""
    response = anonymous.post(
        reverse("accounts:login"), {"username": "x" * 100_000, "password": "secret"}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["username"] == [
        "Assurez-vous que cette valeur comporte au plus 150 caractères (actuellement 100000)."
    ]


@pytest.mark.parametrize("number", [str(2**63), str(10**30)])
def test_it_refuses_an_engagement_number_beyond_any_integer(referent, world, number):
    """Before: SQLite could not even compare it, and the page failed."""
    response = referent.post(
        reverse("workspace:choose", args=[world.coop_a.slug]), {"engagements": ["1", number]}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["engagements"] == [
        f"« {number} » n'est pas l'un des 12 engagements."
    ]


def test_it_answers_404_to_an_export_of_an_impossible_campaign(reviewer, world):
    """Before: PostgreSQL refused the NUL character of the campaign, with a 500."""
    url = reverse("federation:export", kwargs={"kind": "projets", "fmt": "csv"})

    assert reviewer.get(url, {"campagne": "\x00"}).status_code == 404
    assert reviewer.get(url, {"campagne": "inconnue"}).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin/commitments/project/abc/history/",
        "/admin/commitments/project/{pk}/history/abc/",
        "/admin/commitments/choice/A/history/1/",
    ],
)
def test_it_answers_404_to_a_history_id_that_is_no_id(administrator, world, path):
    """Before: django-simple-history looked the text up as a number, and failed."""
    response = administrator.get(path.format(pk=world.project.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "progress__exact=%00",
        "q=%00",
        "choice__engagement__id__exact=1&region=%00",
        "o=%00",
        "q=" + "x" * 50_001,
    ],
)
def test_it_answers_400_to_forged_admin_filters(administrator, world, query):
    """Before: PostgreSQL failed on the NUL, SQLite on the 50,001-byte search pattern."""
    response = administrator.get(f"/admin/commitments/project/?{query}")

    assert response.status_code == 400


HUGE = "99999999999"


@pytest.mark.parametrize(
    "query",
    [
        f"created_at__year={HUGE}",
        f"created_at__month={HUGE}",
        f"created_at__day={HUGE}",
        f"created_at__year__gte={HUGE}",
        f"created_at__month__lte={HUGE}",
        f"created_at__day__gt={HUGE}",
        f"created_at__year__in=2024,{HUGE}",
        "created_at__year=99999",
        "created_at__year=-5",
        # Under the date hierarchy's own links (Selection's is updated_at).
        f"updated_at__year={HUGE}",
        f"updated_at__year=2024&updated_at__month={HUGE}",
        f"updated_at__year=2024&updated_at__month=1&updated_at__day={HUGE}",
        f"created_at__iso_year={HUGE}",
    ],
)
def test_it_answers_400_to_an_admin_date_filter_out_of_the_calendar(administrator, world, query):
    """Before: Python's dates (or SQLite's integers) failed on the year, month or day: a 500."""
    response = administrator.get(f"/admin/commitments/selection/?{query}")

    assert response.status_code == 400
    assert response.content.decode() == (
        "Requête invalide : un filtre de date demande une date hors du calendrier."
    )


@pytest.mark.parametrize(
    "query",
    [
        "updated_at__year=2024",
        "updated_at__year=2024&updated_at__month=2&updated_at__day=29",
        "created_at__year__gte=2020&created_at__month__in=1,12",
    ],
)
def test_it_keeps_the_admin_date_filters_within_the_calendar(administrator, world, query):
    assert administrator.get(f"/admin/commitments/selection/?{query}").status_code == 200


@pytest.mark.parametrize("selected", ["abc", "\x00", str(2**63), "1.5"])
def test_it_answers_400_to_an_admin_action_on_ids_that_are_no_ids(administrator, world, selected):
    """Before: the admin put the ticked ids in a query as they came, and failed."""
    before = cooperative_rows(world.coop_a)

    response = administrator.post(
        "/admin/coops/cooperative/",
        {"action": "delete_selected", "_selected_action": [str(world.coop_a.pk), selected]},
    )

    assert response.status_code == 400
    assert cooperative_rows(world.coop_a) == before


def test_it_leaves_nul_characters_outside_the_admin_to_the_forms(anonymous, world):
    """The guard is the admin's: the portal's own filters report a NUL next to the field."""
    response = anonymous.get(reverse("discovery:projects"), {"q": "nul\x00"})

    assert response.status_code == 200
    assert response.context["form"].errors["q"] == NUL_REFUSED
