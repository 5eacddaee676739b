"""Presentation helpers of the accessibility finish.

Valid ``<time>``, French content marked as such, French plurals, admin titles.
"""

import datetime
import re
import zoneinfo
from pathlib import Path

import pytest
from django.template import Context, Template
from django.utils import translation

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
# HTML's "valid global date and time string", to the second (at most 3 decimals allowed).
GLOBAL_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})")


def render(source, **context):
    return Template("{% load qualicoop %}" + source).render(Context(context))


def test_iso_datetime_drops_the_microseconds_that_html_refuses(settings):
    moment = datetime.datetime(2026, 3, 4, 9, 5, 7, 123456, tzinfo=datetime.UTC)

    rendered = render("{{ moment|iso_datetime }}", moment=moment)

    assert rendered == "2026-03-04T10:05:07+01:00"  # in the site's time zone, Europe/Paris
    assert GLOBAL_DATETIME.fullmatch(rendered)
    # What the templates used to write, for the record: six decimals.
    assert re.search(r"\.\d{6}", render("{{ moment|date:'c' }}", moment=moment))


def test_iso_datetime_keeps_dates_and_leaves_nothing_for_none():
    assert render("{{ day|iso_datetime }}", day=datetime.date(2026, 12, 2)) == "2026-12-02"
    assert render("{{ nothing|iso_datetime }}", nothing=None) == ""


def test_no_template_writes_microseconds_into_a_time_element(settings):
    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}"
        for path in Path(settings.BASE_DIR, "templates").rglob("*.html")
        if re.search(r"""date:\s*['"]c['"]""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


@pytest.mark.parametrize(
    ("language", "expected"), [("fr", "<p>x</p>"), ("en", '<p lang="fr">x</p>')]
)
def test_content_lang_marks_french_content_on_pages_in_another_language(language, expected):
    with translation.override(language):
        assert render("<p{% content_lang %}>x</p>") == expected


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Modification de utilisateur", "Modification d’utilisateur"),
        ("Ajout de engagement", "Ajout d’engagement"),
        ("Ajout de campagne", "Ajout de campagne"),
        ("Modification de invitation", "Modification d’invitation"),
    ],
)
def test_french_elision_mends_the_admins_titles(title, expected):
    with translation.override("fr"):
        assert render("{{ title|french_elision }}", title=title) == expected


def test_french_elision_leaves_english_alone():
    with translation.override("en"):
        assert render("{{ title|french_elision }}", title="Change de user") == "Change de user"


PLURAL = (
    "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} projet publié"
    "{% plural %}{{ counter }} projets publiés{% endblocktranslate %}"
)


@pytest.mark.parametrize(
    ("n", "expected"), [(0, "0 projet publié"), (1, "1 projet publié"), (2, "2 projets publiés")]
)
def test_french_takes_the_singular_for_zero_and_one(n, expected):
    with translation.override("fr"):
        assert Template(PLURAL).render(Context({"n": n})) == expected


def test_french_plurals_hold_for_a_text_no_catalogue_has():
    with translation.override("fr"):
        assert translation.ngettext("%d truc inédit", "%d trucs inédits", 0) == "%d truc inédit"
        assert translation.ngettext("%d truc inédit", "%d trucs inédits", 3) == "%d trucs inédits"
