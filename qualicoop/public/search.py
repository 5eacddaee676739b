"""Searching and filtering the published projects, in French.

One entry point, ``ProjectFilterForm``: it reads the public filters (``q``,
``pilier``, ``engagement``, ``cooperative``) from a query string, and its
``apply()`` narrows a queryset of projects accordingly. The projects page, the
open data downloads and the API all go through it, so they answer the same
question the same way.

Full-text search works on both databases:

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
from urllib.parse import urlencode

from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import F, Func, Q, TextField, Value
from django.db.models.functions import Concat
from django.forms.utils import flatatt
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from commitments.models import (
    STAGE_LABELS,
    Engagement,
    Indicator,
    ProgressUpdate,
    Project,
    published_cooperatives,
)

QUERY_MAX = 200
# A search on a page (the projects page, the API) stops at this many projects,
# then ranks them: a word found in every project (« coopérateurs ») would
# otherwise rank the whole table at each request — 11 s at 2,000 cooperatives.
# PostgreSQL computes each project's document twice (to match, to rank), about
# 60 µs each on the benchmark machine: 200 projects (ten pages) cost some 25 ms
# whatever the size of the federation. Downloads (open data) are not limited.
SEARCH_LIMIT = 200
# Up to this many published cooperatives the filter is a select; past it, typed.
COOPERATIVE_SELECT_MAX = 300
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


def _select():
    return forms.Select(attrs={"class": "form-select"})


class LongSelect(forms.Select):
    """A select of thousands of options (every cooperative), written in one pass.

    Django renders each option through a template of its own: with 2,000
    cooperatives that was most of the projects page's time. Single choice only.
    """

    def render(self, name, value, attrs=None, renderer=None):
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (option, mark_safe(" selected") if str(option) in chosen else "", label)  # noqa: S308
                for option, label in self.choices
            ),
        )
        attributes = flatatt(self.build_attrs(self.attrs, attrs))
        return format_html('<select name="{}"{}>{}</select>', name, attributes, options)


class ProjectFilterForm(forms.Form):
    """The public filters of the published projects, read from a query string.

    Always bound (to ``request.GET``): a filter whose value is not valid gets
    its French error and is left out of ``apply()``, the others still apply.
    Its choices are read in two queries, whatever the data size.
    """

    q = forms.CharField(
        label=_("Rechercher"),
        max_length=QUERY_MAX,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "class": "form-control"}),
        help_text=_("Un ou plusieurs mots, accents et majuscules indifférents."),
    )
    pilier = forms.TypedChoiceField(
        label=_("Pilier"), coerce=int, empty_value=None, required=False, widget=_select()
    )
    engagement = forms.TypedChoiceField(
        label=_("Engagement"), coerce=int, empty_value=None, required=False, widget=_select()
    )
    cooperative = forms.ChoiceField(
        label=_("Coopérative"),
        required=False,
        widget=LongSelect(attrs={"class": "form-select"}),
    )
    etape = forms.ChoiceField(
        label=_("Étape"),
        required=False,
        choices=[("", _("Toutes les étapes")), *STAGE_LABELS.items()],
        widget=_select(),
        error_messages={
            "invalid_choice": _("Choisissez parmi %(stages)s.")
            % {"stages": ", ".join(STAGE_LABELS)}
        },
    )
    exemplaire = forms.TypedChoiceField(
        label=_("Projets exemplaires"),
        required=False,
        choices=[
            ("", _("Tous les projets")),
            ("1", _("Les projets exemplaires seulement")),
            ("0", _("Les autres projets")),
        ],
        coerce=int,
        empty_value=None,
        widget=_select(),
        error_messages={"invalid_choice": _("1 pour les projets exemplaires, 0 pour les autres.")},
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        engagements = list(Engagement.objects.select_related("pillar").order_by("number"))
        pillars = list(
            {engagement.pillar.number: engagement.pillar for engagement in engagements}.values()
        )
        self.fields["pilier"].choices = [("", _("Tous les piliers"))] + [
            (
                pillar.number,
                _("Pilier %(number)s : %(name)s") % {"number": pillar.number, "name": pillar.name},
            )
            for pillar in pillars
        ]
        self.fields["engagement"].choices = [("", _("Tous les engagements"))] + [
            (
                _("Pilier %(number)s") % {"number": pillar.number},
                [
                    (
                        engagement.number,
                        _("Engagement %(number)s : %(title)s")
                        % {
                            "number": engagement.number,
                            "title": Truncator(engagement.title).chars(70),
                        },
                    )
                    for engagement in engagements
                    if engagement.pillar_id == pillar.pk
                ],
            )
            for pillar in pillars
        ]
        listed = list(
            published_cooperatives()
            .order_by("name")
            .values_list("slug", "name")[: COOPERATIVE_SELECT_MAX + 1]
        )
        if len(listed) <= COOPERATIVE_SELECT_MAX:
            self.fields["cooperative"].choices = [("", _("Toutes les coopératives"))] + listed
        else:
            # Thousands of options make a select nobody can use and a page of
            # hundreds of kilobytes: past the limit the filter is typed.
            self.fields["cooperative"] = forms.CharField(
                label=_("Coopérative"),
                required=False,
                max_length=100,
                help_text=_("Son nom, ou une partie, ou son identifiant."),
                widget=forms.TextInput(attrs={"type": "search", "class": "form-control"}),
            )
        self.search = None
        self.found = None

    def apply(self, projects, limit=None):
        """``projects`` narrowed by every valid filter; sets ``self.search``.

        With a ``limit``, a search stops at that many projects
        (``Search.apply_limited``) and ``self.found`` tells how many it found.
        """
        filters = self.cleaned_data
        if filters.get("pilier") is not None:
            projects = projects.filter(choice__engagement__pillar__number=filters["pilier"])
        if filters.get("engagement") is not None:
            projects = projects.filter(choice__engagement__number=filters["engagement"])
        if filters.get("cooperative"):
            projects = projects.filter(self._cooperative_filter(filters["cooperative"]))
        if filters.get("etape"):
            if "stage_key" not in projects.query.annotations:
                projects = projects.with_stage()
            projects = projects.filter(stage_key=filters["etape"])
        if filters.get("exemplaire") is not None:
            projects = projects.filter(is_exemplary=filters["exemplaire"] == 1)
        if filters.get("q"):
            self.search = Search.parse(filters["q"])
            if limit is None:
                return self.search.apply(projects)
            projects, self.found = self.search.apply_limited(projects, limit)
        return projects

    def _cooperative_filter(self, value):
        """The cooperative chosen in the select, or typed: its identifier or part of its name."""
        chosen = Q(choice__selection__cooperative__slug=value)
        if isinstance(self.fields["cooperative"], forms.ChoiceField):
            return chosen
        return chosen | Q(choice__selection__cooperative__name__icontains=value)

    @property
    def stems(self):
        return self.search.stems if self.search else ()

    @property
    def is_filtered(self):
        """Whether any valid filter narrows the list."""
        return any(self.cleaned_data.get(name) not in (None, "") for name in self.fields)

    def query_string(self):
        """The valid filters as a query string, for links that must not repeat an invalid one."""
        return urlencode(
            {
                name: self.data[name]
                for name in self.fields
                if self.cleaned_data.get(name) not in (None, "")
            }
        )

    def served_values(self):
        """The value each filter was applied with (``None`` for one refused), for the page cache."""
        return {name: self.cleaned_data.get(name) for name in self.fields}

    @property
    def has_typed_text(self):
        """Whether a filter holds text the visitor typed: the search, or a cooperative's name.

        Such values have no bound, unlike the choices of the other filters: the
        page cache does not keep the pages that answer them.
        """
        return any(
            self.data.get(name)
            for name, field in self.fields.items()
            if not isinstance(field, forms.ChoiceField)
        )

    def error_summary(self):
        """The errors as one French sentence per parameter, for the API and downloads."""
        return " ".join(
            _("Paramètre « %(name)s » : %(errors)s") % {"name": name, "errors": " ".join(errors)}
            for name, errors in self.errors.items()
        )
