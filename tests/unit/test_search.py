"""Full-text search of the published projects, on SQLite and PostgreSQL alike."""

import pytest
from django.db import connection, transaction

from commitments.models import Project
from qualicoop.public import opendata
from qualicoop.public.search import (
    Search,
    fold,
    highlight,
    light_stem,
    normalise,
    python_stems,
)


def projects_mentioning(word):
    """Ids of the published projects whose text holds ``word`` as typed (accents included)."""
    return {
        project.pk
        for project in opendata.published_projects()
        if word in f"{project.title} {project.description} {project.objectives}".lower()
    }


def found(text):
    return set(Search.parse(text).apply(opendata.published_projects()).values_list("pk", flat=True))


def test_it_normalises_accents_case_and_ligatures():
    assert normalise("Cœur ÉLEVÉ à Noël") == "coeur eleve a noel"


def test_it_folds_non_breaking_spaces_and_typographic_apostrophes_into_word_breaks():
    assert fold("L’accès\u00a0aux coopérateurs !") == " l acces aux cooperateurs"


def test_it_drops_the_french_plural():
    assert light_stem("cooperateurs") == "cooperateur"
    assert light_stem("travaux") == "travau"
    assert light_stem("bus") == "bus"


def test_it_keeps_the_searchable_words_only():
    assert python_stems("Les coopérateurs de l’Assemblée, les coopérateurs !") == [
        "cooperateur",
        "assemblee",
    ]


def test_it_highlights_the_words_a_stem_begins():
    html = highlight("Coopérateurs, coopérateur et précoopérateur", ("cooperateur",))

    assert html == ("<mark>Coopérateurs</mark>, <mark>coopérateur</mark> et précoopérateur")


def test_it_escapes_everything_before_highlighting():
    html = highlight("<script>alert('coopérateur')</script>", ("cooperateur",))

    assert html == ("&lt;script&gt;alert(&#x27;<mark>coopérateur</mark>&#x27;)&lt;/script&gt;")


def test_it_escapes_even_without_a_search():
    assert highlight("<b>gras</b>", ()) == "&lt;b&gt;gras&lt;/b&gt;"


def test_it_finds_the_plural_from_the_singular(seed):
    expected = projects_mentioning("coopérateurs")
    assert len(expected) >= 20

    assert expected <= found("coopérateur")


def test_it_ignores_accents_and_case(seed):
    assert found("COOPERATEURS") == found("coopérateurs")
    assert projects_mentioning("coopérateurs") <= found("cooperateurs")


def test_it_requires_every_word(seed):
    both = found("assemblée coopérateurs")

    assert both
    assert both <= found("assemblée")
    assert both <= found("coopérateurs")
    assert both < found("coopérateurs")


def test_it_finds_nothing_for_an_unknown_word(seed):
    assert found("zygomatique") == set()


def test_it_filters_nothing_when_only_stop_words_are_given(seed):
    search = Search.parse("de la")

    assert search.stems == ()
    assert found("de la") == set(opendata.published_projects().values_list("pk", flat=True))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the Python fallback is SQLite's")
def test_it_matches_word_beginnings_only_on_sqlite(seed):
    # "opérateur" is inside "coopérateurs" but begins no word of the seed.
    assert found("opérateur") == set()
    assert found("coopérateur") == projects_mentioning("coopérateur")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own engine")
def test_it_uses_the_gin_index_on_postgresql(seed):
    # The search condition alone: with the joins of the published filter the
    # planner may start from another table on so small a data set.
    projects = Search.parse("coopérateurs").apply(Project.objects.order_by())

    with transaction.atomic(), connection.cursor() as cursor:
        # Too few rows for the planner to prefer the index by itself.
        cursor.execute("SET LOCAL enable_seqscan = off")
        plan = projects.explain()

    assert "commitments_project_search" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own engine")
def test_it_highlights_what_the_postgresql_stemmer_matched(seed):
    search = Search.parse("Coopérateurs")

    assert search.stems == ("cooper",)
    assert "<mark>coopératives</mark>" in highlight("Les coopératives", search.stems)
