"""Text lengths are bounded in the forms (a French message) and in the database.

A project's title holds 200 characters and its texts 5,000: one more is
refused next to the field, and refused again by the database if some path
(a script, the shell) skips the forms. SQLite does not enforce a
``varchar`` length, so there the title is checked by ``full_clean()``; the
texts are bounded by CHECK constraints, enforced by both databases.
"""

import pytest
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.urls import reverse

from commitments.models import TEXT_MAX, TITLE_MAX, Project

from .support import database_snapshot

TEXTS = ("description", "objectives", "indicators")
PROJECT = {
    "title": "Atelier d'accueil",
    "description": "Un atelier mensuel.",
    "objectives": "",
    "indicators": "",
    "target_date": "",
    "progress": "planned",
}


def _too_long_message(limit, length):
    return (
        f"Assurez-vous que cette valeur comporte au plus {limit} caractères "
        f"(actuellement {length})."
    )


def _project_urls(world):
    slug = world.coop_a.slug
    return {
        "create": (reverse("workspace:project_create", args=[slug, 1]), {}),
        "edit": (
            reverse("workspace:project_edit", args=[slug, world.project.pk]),
            {"version": str(world.project.version)},
        ),
    }


@pytest.mark.parametrize("form", ["create", "edit"])
@pytest.mark.parametrize(
    ("field", "limit"), [("title", TITLE_MAX), *[(name, TEXT_MAX) for name in TEXTS]]
)
def test_it_refuses_one_character_too_many_next_to_the_field(as_role, world, form, field, limit):
    url, extra = _project_urls(world)[form]
    before = list(Project.objects.order_by("pk").values())
    # Accented letters: the limit counts characters, not bytes.
    typed = "é" * (limit + 1)

    response = as_role("referent_a").post(url, {**PROJECT, **extra, field: typed})

    assert response.status_code == 200
    message = _too_long_message(limit, limit + 1)
    assert response.context["form"].errors[field] == [message]
    html = response.content.decode()
    assert message in html
    # What was typed is kept, to be shortened rather than typed again.
    assert typed in html
    assert list(Project.objects.order_by("pk").values()) == before


@pytest.mark.parametrize(
    ("field", "limit"), [("title", TITLE_MAX), *[(name, TEXT_MAX) for name in TEXTS]]
)
def test_it_accepts_exactly_the_limit(as_role, world, field, limit):
    url, _extra = _project_urls(world)["create"]

    response = as_role("referent_a").post(url, {**PROJECT, field: "é" * limit})

    assert response.status_code == 302
    assert Project.objects.filter(**{field: "é" * limit}).exists()


@pytest.mark.parametrize(
    ("role", "url", "data"),
    [
        ("referent_a", lambda w: reverse("workspace:submit", args=[w.coop_a.slug]), {}),
        (
            "reviewer",
            lambda w: reverse("federation:decide", args=[w.submitted.pk]),
            {"decision": "modifications"},
        ),
        ("reviewer", lambda w: reverse("federation:reopen", args=[w.validated.pk]), {}),
    ],
    ids=["submit", "decide", "reopen"],
)
def test_it_bounds_every_message(as_role, world, role, url, data):
    client = as_role(role)
    before = database_snapshot()

    response = client.post(url(world), {**data, "message": "x" * (TEXT_MAX + 1)})

    assert response.status_code in (200, 400)
    assert _too_long_message(TEXT_MAX, TEXT_MAX + 1) in response.content.decode()
    assert database_snapshot() == before


def test_it_bounds_a_remark(as_role, world):
    response = as_role("reviewer").post(
        reverse("federation:decide", args=[world.submitted.pk]),
        {"decision": "modifications", "message": "Précisez.", "remarque_1": "x" * (TEXT_MAX + 1)},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["remarque_1"] == [
        _too_long_message(TEXT_MAX, TEXT_MAX + 1)
    ]


def _project(world, **fields):
    return Project(
        choice=world.project.choice, **{"title": "Titre", "description": "Texte.", **fields}
    )


def test_it_refuses_a_long_title_in_full_clean(db, world):
    project = _project(world, title="é" * (TITLE_MAX + 1))

    with pytest.raises(ValidationError) as refused:
        project.full_clean()

    assert set(refused.value.message_dict) == {"title"}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite ignores varchar lengths")
def test_it_refuses_a_long_title_in_the_database(db, world):
    with pytest.raises(DataError), transaction.atomic():
        _project(world, title="é" * (TITLE_MAX + 1)).save()


@pytest.mark.parametrize("field", TEXTS)
def test_it_refuses_a_long_text_in_the_database(db, world, field):
    with pytest.raises(IntegrityError), transaction.atomic():
        _project(world, **{field: "é" * (TEXT_MAX + 1)}).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        Project.objects.filter(pk=world.project.pk).update(**{field: "é" * (TEXT_MAX + 1)})

    # Exactly the limit is stored.
    _project(world, **{field: "é" * TEXT_MAX}).save()


def test_it_declares_the_bounds_in_the_schema(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Project._meta.db_table)

    names = {name for name, spec in constraints.items() if spec["check"]}
    assert {f"project_{field}_bounded" for field in TEXTS} <= names
