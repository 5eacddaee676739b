"""Full-text search of the published projects, in French.

``Search`` is the ``q`` filter of ``ProjectFilterForm`` (``project_filters.py``),
through which the projects page, the open data downloads and the API search.

It works on both databases:

* PostgreSQL uses the ``french`` text search configuration (stemming, stop
  words) over title, description and objectives, with accents removed by
  ``qualicoop_unaccent``, an IMMUTABLE wrapper around ``unaccent`` created by
  migration 0002 along with a GIN index on exactly ``DOCUMENT_SQL``;
* SQLite has no such engine: ``qualicoop_fold``, a Python function registered
  on the connection, folds accents, case and punctuation, and each query word,
  lightly stemmed, must begin a word of the text.

A project is also found by the text of its published updates and the names
of its indicators, which no index covers: there, on both databases, each word
must begin a word of the text (see ``Search._progress_match``).

Matched words are highlighted with ``highlight()``, which escapes everything
first.
"""

import re
import unicodedata
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Concat
from django.utils.html import escape
from django.utils.safestring import mark_safe

from commitments.models import (
    Indicator,
    ProgressUpdate,
    Project,
)

# A search on a page (the projects page, the API) stops at this many projects,
# then ranks them: a word found in every project (« coopérateurs ») would
# otherwise rank the whole table at each request — 11 s at 2,000 cooperatives.
# PostgreSQL computes each project's document twice (to match, to rank), about
# 60 µs each on the benchmark machine: 200 projects (ten pages) cost some 25 ms
# whatever the size of the federation. Downloads (open data) are not limited.
SEARCH_LIMIT = 200
# More words than this add nothing to a search but cost one condition each.
TERMS_MAX = 10

# The document searched, as PostgreSQL sees it. Migration 0002 indexes this
# very expression (with bare column names): the planner uses the index only
# if the query repeats it exactly.
DOCUMENT_TEMPLATE = "to_tsvector('french'::regconfig, qualicoop_unaccent(%(expressions)s))"
DOCUMENT_FIELDS = ("title", "description", "objectives")

# Words too common to narrow a search (the SQLite side; PostgreSQL's ``french``
# configuration has its own list).
STOP_WORDS = frozenset(
    # A sentence of words reads better here than sixty quoted items.
    (  # noqa: SIM905
        "au aux avec ce ces dans de des du elle en et eux il je la le les leur lui ma mais me "
        "meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta "
        "te tes toi ton tu un une vos votre vous est sont ete etre"
    ).split()
)

# Letters that NFKD does not decompose but ``unaccent`` spells out.
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})
_WORD = re.compile(r"\w+")
_NOT_WORD = re.compile(r"\W+")
_LEXEME = re.compile(r"'((?:[^']|'')*)'")


def normalise(text):
    """Lower case, without accents or ligatures: "Cœur Élevé" → "coeur eleve"."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def fold(text):
    """The text as the SQLite search reads it: normalised words between single spaces.

    A leading space lets ``LIKE '% stem%'`` find a stem at the start of any
    word, the first one included. Non-breaking spaces and typographic
    apostrophes are not word characters, so they separate words like any other.
    """
    if text is None:
        return None
    return " " + _NOT_WORD.sub(" ", normalise(text)).strip()


def light_stem(word):
    """The French plural dropped, so that a singular and its plural share a prefix.

    "coopérateurs" and "coopérateur" both give "cooperateur", which begins
    both words; a finer stemmer is PostgreSQL's job.
    """
    if len(word) > 3 and word[-1] in "sx":
        return word[:-1]
    return word


def python_stems(query):
    """The stems that the SQLite search looks for, in the order typed."""
    stems = []
    for word in _WORD.findall(normalise(query)):
        stem = light_stem(word)
        if len(word) > 1 and word not in STOP_WORDS and stem not in stems:
            stems.append(stem)
    return stems[:TERMS_MAX]


def _ensure_fold_function():
    # Registered on the raw connection, which Django may have reopened since
    # the last request; registering again is cheap and runs no query.
    connection.ensure_connection()
    connection.connection.create_function("qualicoop_fold", 1, fold, deterministic=True)


class Document(Func):
    """The indexed search document of a project (PostgreSQL)."""

    template = DOCUMENT_TEMPLATE
    arg_joiner = " || ' ' || "
    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(*(F(name) for name in DOCUMENT_FIELDS))


def _postgres_query(text):
    return SearchQuery(
        Func(Value(text), function="qualicoop_unaccent", output_field=TextField()),
        config="french",
    )


@dataclass(frozen=True)
class Search:
    """A search as understood by the database at hand.

    ``stems`` are the normalised word beginnings to highlight; empty when the
    query holds nothing searchable (only stop words or punctuation), in which
    case the search filters nothing.
    """

    text: str
    stems: tuple

    @classmethod
    def parse(cls, text):
        if connection.vendor == "postgresql":
            # Ask PostgreSQL which lexemes it will look for, so that the
            # highlighted words are the ones its stemmer matched.
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT plainto_tsquery('french'::regconfig, qualicoop_unaccent(%s))::text",
                    [text],
                )
                (tsquery,) = cursor.fetchone()
            stems = [lexeme.replace("''", "'") for lexeme in _LEXEME.findall(tsquery)]
        else:
            stems = python_stems(text)
        return cls(text=text, stems=tuple(dict.fromkeys(stems)))

    def apply(self, projects):
        """``projects`` narrowed to those matching every word, best first on PostgreSQL.

        A project matches by its own text, or by the text of one of its
        published updates, or by the name of one of its indicators, each of
        which must hold every word.
        """
        if not self.stems:
            return projects
        if connection.vendor == "postgresql":
            query = _postgres_query(self.text)
            # The indexed document in a subquery of its own: beside the OR
            # below, a filter on the outer query would be read row by row.
            indexed = Project.objects.alias(document=Document()).filter(document=query)
            return (
                projects.filter(Q(pk__in=indexed.values("pk")) | self._progress_match())
                .annotate(rank=SearchRank(Document(), query))
                .order_by("-rank", *projects.query.order_by)
            )
        _ensure_fold_function()
        spaced = []
        for name in DOCUMENT_FIELDS:
            spaced += [F(name), Value(" ")]
        folded = Func(
            Concat(*spaced[:-1], output_field=TextField()),
            function="qualicoop_fold",
            output_field=TextField(),
        )
        own_text = Q()
        for stem in self.stems:
            own_text &= Q(folded__contains=" " + stem)
        return projects.alias(folded=folded).filter(own_text | self._progress_match())

    def apply_limited(self, projects, limit):
        """``apply`` stopped at ``limit`` projects: (the queryset, how many were found).

        The matching projects are read first, at most ``limit`` of each kind
        (own text, updates or indicators) in two queries, then only those are
        ranked: the cost no longer grows with the number of projects that
        hold the words. Past the limit the ranking is of the first ones found,
        and the count says "at least".
        """
        if not self.stems:
            return projects, None
        if connection.vendor == "postgresql":
            query = _postgres_query(self.text)
            # Each part on its own, so that the index serves the text search and
            # the few matching indicators lead to their projects (an OR of both
            # made PostgreSQL read every project). The updates' lineages are read
            # first: joined, the planner walked all 760,000 projects to find none.
            own = projects.alias(document=Document()).filter(document=query)
            updates, indicators = self._progress_texts()
            lineages = list(updates.values_list("lineage", flat=True)[:limit])
            parts = [
                own,
                projects.filter(pk__in=indicators.values("project_id")),
                projects.filter(lineage__in=lineages),
            ]
            first, *others = [
                part.order_by().values_list("pk", flat=True)[:limit] for part in parts
            ]
            found = set(first.union(*others))
            ranked = (
                projects.filter(pk__in=found)
                .annotate(rank=SearchRank(Document(), query))
                .order_by("-rank", *projects.query.order_by)
            )
            return ranked, len(found)
        found = set(self.apply(projects).order_by().values_list("pk", flat=True)[:limit])
        return projects.filter(pk__in=found), len(found)

    def _progress_match(self):
        """The projects whose published updates or indicators hold every word.

        No index covers these texts (the search index is the projects'), so
        the rule is the SQLite one on both databases: each stem begins a word
        of the text, accents and case aside. Both are subqueries of the one
        search query: the number of queries does not change.
        """
        updates, indicators = self._progress_texts()
        return Q(lineage__in=updates.values("lineage")) | Q(pk__in=indicators.values("project_id"))

    def _progress_texts(self):
        """The published updates and the indicators whose text holds every word."""
        return (
            self._holding_every_stem(ProgressUpdate.objects.published(), "text"),
            self._holding_every_stem(Indicator.objects.all(), "name"),
        )

    def _holding_every_stem(self, queryset, field):
        if connection.vendor == "postgresql":
            plain = Func(F(field), function="qualicoop_unaccent", output_field=TextField())
            queryset = queryset.alias(searched=plain)
            for stem in self.stems:
                # \m: the start of a word, in PostgreSQL's regular expressions.
                queryset = queryset.filter(searched__iregex=r"\m" + re.escape(stem))
            return queryset
        folded = Func(F(field), function="qualicoop_fold", output_field=TextField())
        queryset = queryset.alias(searched=folded)
        for stem in self.stems:
            queryset = queryset.filter(searched__contains=" " + stem)
        return queryset


def highlight(text, stems):
    """``text`` escaped, with each word beginning with one of ``stems`` in ``<mark>``."""
    if not stems:
        return escape(text)
    pieces = []
    position = 0
    for match in _WORD.finditer(text):
        pieces.append(escape(text[position : match.start()]))
        word = match.group()
        if normalise(word).startswith(stems):
            pieces.append(f"<mark>{escape(word)}</mark>")
        else:
            pieces.append(escape(word))
        position = match.end()
    pieces.append(escape(text[position:]))
    return mark_safe("".join(pieces))  # noqa: S308 — every piece was escaped above.
