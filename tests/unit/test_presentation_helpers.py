"""Presentation helpers of the accessibility finish.

Valid ``<time>``, French content marked as such, French plurals, admin titles.
"""

import datetime
import re
import zoneinfo
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.utils import translation

from qualicoop.lib.mail import render_message

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


@pytest.mark.parametrize(
    "day, parts, expected",
    [
        (datetime.date(2028, 10, 1), "", "1er octobre 2028"),
        (datetime.date(2028, 6, 30), "", "30 juin 2028"),
        (datetime.date(2028, 12, 1), "weekday", "vendredi 1er décembre 2028"),
        (
            datetime.datetime(2026, 10, 1, 12, 5, tzinfo=datetime.UTC),
            "time",
            "1er octobre 2026 à 14:05",  # in the site's time zone, Europe/Paris
        ),
    ],
)
def test_long_date_writes_dates_as_french_does(day, parts, expected):
    assert render("{{ day|long_date:parts }}", day=day, parts=parts) == expected


def test_long_date_leaves_english_its_own_way_and_nothing_for_none():
    with translation.override("en"):
        assert render("{{ day|long_date }}", day=datetime.date(2028, 10, 1)) == "1 October 2028"
    assert render("{{ day|long_date }}", day=None) == ""


def test_no_document_nor_e_mail_abbreviates_a_month():
    templates = Path(__file__).resolve().parents[2] / "templates"
    sources = [*templates.glob("documents/*.html"), *templates.glob("emails/*.txt")]
    assert sources
    month = re.compile(r'date:"[^"]*\bM\b')
    abbreviated = [path.name for path in sources if month.search(path.read_text())]
    assert abbreviated == []


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Les Toits Partagés", "des Toits Partagés"),
        ("Le Foyer Rémois", "du Foyer Rémois"),
        ("La Maison Familiale", "de La Maison Familiale"),
        ("Axanis", "d'Axanis"),
        ("Écho Habitat", "d'Écho Habitat"),
        ("Coopérative Alpha", "de Coopérative Alpha"),
    ],
)
def test_of_name_contracts_de_with_the_names_article(name, expected):
    # As e-mails render it: plain text, nothing escaped.
    plain = "{% autoescape off %}{{ name|of_name }}{% endautoescape %}"
    assert render(plain, name=name) == expected


def test_of_name_leaves_the_name_alone_in_english():
    with translation.override("en"):
        assert render("{{ name|of_name }}", name="Les Toits Partagés") == "Les Toits Partagés"


def test_e_mails_contract_de_with_the_cooperatives_article():
    cooperative = SimpleNamespace(name="Les Toits Partagés", slug="toits")
    subject, body = render_message(
        "team_removed", {"cooperative": cooperative, "by": "Camille Martin"}
    )

    assert subject == "[Quali'Coop] Vous ne faites plus partie de l'équipe des Toits Partagés"
    assert "de l'équipe des Toits Partagés sur Quali'Coop par Camille Martin" in body
