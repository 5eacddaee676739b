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
from tests import factories
from tests.opendata_support import make_indicator, post_update


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


# --- Progress updates and indicators --------------------------------------------------


@pytest.fixture
def reported(reference, reviewer):
    """A published project with a published update and an indicator; work not yet public."""
    campaign = factories.make_campaign()
    published = factories.make_published(factories.make_coop("Coop Alpha"), campaign, reviewer)
    project, other, *_ = Project.objects.filter(choice__selection=published).order_by("pk")
    post_update(project, text="Inauguration de la chaufferie à biomasse.", reviewer=reviewer)
    make_indicator(project, name="Tonnes de CO₂ évitées")
    post_update(other, text="Géothermie envisagée, à relire.")
    post_update(other, text="Photovoltaïque en brouillon.", submit=False)
    draft = factories.make_selection(factories.make_coop("Coop Brouillon"), campaign, numbers=[1])
    make_indicator(Project.objects.get(choice__selection=draft), name="Hectares reboisés")
    return project


@pytest.mark.django_db
def test_it_finds_a_project_by_the_text_of_its_published_updates(reported):
    assert found("chaufferie biomasse") == {reported.pk}
    assert found("CHAUFFERIES") == {reported.pk}


@pytest.mark.django_db
def test_it_finds_a_project_by_the_name_of_its_indicators(reported):
    assert found("tonnes evitees") == {reported.pk}


@pytest.mark.django_db
def test_it_never_finds_by_what_is_not_public(reported):
    assert found("géothermie") == set()
    assert found("photovoltaïque") == set()
    assert found("hectares") == set()


@pytest.mark.django_db
def test_an_update_or_an_indicator_must_hold_every_word(reported):
    # One word in the update, the other in the indicator: neither holds both.
    assert found("chaufferie tonnes") == set()
    assert found("chaufferie zygomatique") == set()


@pytest.mark.django_db
def test_it_searches_the_updates_in_the_same_query(reported, django_assert_num_queries):
    search = Search.parse("chaufferie")

    with django_assert_num_queries(1):
        assert [project.pk for project in search.apply(opendata.published_projects())] == [
            reported.pk
        ]


@pytest.mark.django_db
def test_a_limited_search_finds_the_same_projects_by_updates_and_indicators(reported):
    def limited(text):
        projects, count = Search.parse(text).apply_limited(opendata.published_projects(), 10)
        pks = {project.pk for project in projects}
        assert count == len(pks)
        return pks

    assert limited("chaufferie biomasse") == {reported.pk}
    assert limited("tonnes evitees") == {reported.pk}
    assert limited("géothermie") == set() and limited("hectares") == set()
    assert limited("chaufferie tonnes") == set()
