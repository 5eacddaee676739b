"""The public filters of the published projects (``ProjectFilterForm``), read from a query string.

The projects page, the open data downloads and the API all go through it, so
they answer the same question the same way; its ``q`` is a full-text search
(``search.py``).
"""

from urllib.parse import urlencode

from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from commitments.models import (
    STAGE_LABELS,
    Engagement,
    published_cooperatives,
)

from .search import Search

QUERY_MAX = 200
# Up to this many published cooperatives the filter is a select; past it, typed.
COOPERATIVE_SELECT_MAX = 300


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

    def __init__(self, data, *, shown=True, **kwargs):
        """``shown``: whether the form is displayed (the projects page), with the select of
        the cooperatives; a download only reads it, and needs them for a value given."""
        super().__init__(data, **kwargs)
        self.search = None
        self.found = None
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
        if not shown and not self.data.get("cooperative"):
            # Nothing to check it against, nor to show: reading the published
            # cooperatives was most of a filtered download's time.
            return
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
