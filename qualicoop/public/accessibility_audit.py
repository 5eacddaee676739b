"""The RGAA 4.1 audit behind the accessibility declaration: its sample, its grid, its rate.

The grid is data kept in the repository (``data/rgaa_audit.csv``): one row per
criterion of the RGAA 4.1 (106), its topic and title, how it was checked
(automatically by the test suite's browser checks, validators and PDF checker,
by hand on the templates, or both), then the result on each page of the sample
(C conforming, NC not conforming, NA not applicable) and a justification. The
declaration shows the rate computed from it, and publishes the file as it is.

The rate is the RGAA's: a criterion is conforming when it is C on every page
where it applies, not conforming when it is NC on one of them, not applicable
when it applies nowhere; the rate is the conforming criteria over the
applicable ones.
"""

import csv
import datetime
import functools
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

GRID_FILE = Path(__file__).resolve().parent / "data" / "rgaa_audit.csv"
GRID_DELIMITER = ";"

# The day of the audit: the declaration is drawn up that day.
AUDIT_DATE = datetime.date(2026, 12, 8)

CONFORMING, NOT_CONFORMING, NOT_APPLICABLE = "C", "NC", "NA"


@dataclass(frozen=True)
class SamplePage:
    """A page of the sample: its code in the grid, its name, and how to reach it.

    ``path`` may name ``{cooperative}`` (a cooperative with a published
    selection), ``{workspace}`` (the workspace of the cooperative ``who`` belongs
    to) or ``{selection}`` (a validated selection); ``who`` is the demonstration
    account that signs in to see it, empty for a public page.
    """

    code: str
    name: StrOrPromise
    kind: StrOrPromise
    path: str
    who: str = ""

    @property
    def link(self) -> str:
        """Where anyone can follow it from the declaration: a public page of fixed address."""
        return "" if self.who or "{" in self.path else self.path


# The RGAA sample: the compulsory pages (home, contact, legal notice,
# declaration, help, sign-in), then a representative page of each audience and
# of each kind of page (search, form, review, dashboard, document download).
SAMPLE = (
    SamplePage("P01", _("Accueil"), _("accueil"), "/"),
    SamplePage("P02", _("Contacter la fédération"), _("contact"), "/contact/"),
    SamplePage("P03", _("Mentions légales"), _("mentions légales"), "/mentions-legales/"),
    SamplePage("P04", _("Déclaration d'accessibilité"), _("accessibilité"), "/accessibilite/"),
    SamplePage("P05", _("Questions fréquentes"), _("aide"), "/faq/"),
    SamplePage("P06", _("Connexion"), _("authentification"), "/compte/connexion/"),
    SamplePage("P07", _("Recherche de projets"), _("recherche"), "/projets/?q=logement"),
    SamplePage(
        "P08",
        _("Profil public d'une coopérative et son document PDF"),
        _("téléchargement de document"),
        "/cooperatives/{cooperative}/",
    ),
    SamplePage("P09", _("Données ouvertes"), _("téléchargement de document"), "/donnees/"),
    SamplePage(
        "P10",
        _("Espace d'une coopérative : accueil"),
        _("tableau de bord"),
        "/espace/{workspace}/",
        "demo",
    ),
    SamplePage(
        "P11",
        _("Espace d'une coopérative : profil de la coopérative"),
        _("formulaire"),
        "/espace/{workspace}/profil/",
        "demo",
    ),
    SamplePage(
        "P12",
        _("Espace d'une coopérative : équipe"),
        _("tableau"),
        "/espace/{workspace}/equipe/",
        "demo",
    ),
    SamplePage("P13", _("Mon compte"), _("formulaire"), "/compte/", "demo"),
    SamplePage(
        "P14",
        _("Fédération : sélections à examiner"),
        _("recherche"),
        "/federation/?q=habitat",
        "federation",
    ),
    SamplePage(
        "P15",
        _("Fédération : relecture d'une sélection"),
        _("relecture"),
        "/federation/selections/{selection}/",
        "federation",
    ),
    SamplePage(
        "P16",
        _("Fédération : tableau de bord"),
        _("tableau de bord"),
        "/federation/tableau-de-bord/",
        "federation",
    ),
)


@dataclass(frozen=True)
class Criterion:
    number: str
    topic: str
    title: str
    method: str
    results: dict[str, str]
    justification: str

    @property
    def status(self) -> str:
        """The criterion's result over the sample, the RGAA way."""
        results = set(self.results.values())
        if NOT_CONFORMING in results:
            return NOT_CONFORMING
        if results == {NOT_APPLICABLE}:
            return NOT_APPLICABLE
        return CONFORMING

    @property
    def failing_pages(self) -> list[str]:
        return [code for code, result in self.results.items() if result == NOT_CONFORMING]


@dataclass(frozen=True)
class Conformance:
    conforming: int
    not_conforming: int
    not_applicable: int

    @property
    def applicable(self) -> int:
        return self.conforming + self.not_conforming

    @property
    def rate(self) -> Decimal:
        """The conforming share of the applicable criteria, in per cent, to two decimals down."""
        if not self.applicable:
            return Decimal(100)
        share = Decimal(100 * self.conforming) / Decimal(self.applicable)
        # Rounded down: the declaration never claims more than was found.
        return share.quantize(Decimal("0.01"), rounding=ROUND_DOWN)


@functools.cache
def grid() -> tuple[Criterion, ...]:
    """The audit's grid, read once per process; a row that does not fit fails loudly."""
    codes = [page.code for page in SAMPLE]
    with GRID_FILE.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file, delimiter=GRID_DELIMITER))
    criteria = []
    for row in rows:
        results = {code: row[code] for code in codes}
        if not set(results.values()) <= {CONFORMING, NOT_CONFORMING, NOT_APPLICABLE}:
            raise ValueError(f"RGAA grid, criterion {row['critere']}: unknown result")
        criteria.append(
            Criterion(
                number=row["critere"],
                topic=row["thematique"],
                title=row["intitule"],
                method=row["methode"],
                results=results,
                justification=row["justification"],
            )
        )
    return tuple(criteria)


def conformance(criteria: tuple[Criterion, ...]) -> Conformance:
    statuses = [criterion.status for criterion in criteria]
    return Conformance(
        conforming=statuses.count(CONFORMING),
        not_conforming=statuses.count(NOT_CONFORMING),
        not_applicable=statuses.count(NOT_APPLICABLE),
    )


@dataclass(frozen=True)
class Correction:
    """How and by when a non-conforming criterion will be put right."""

    plan: StrOrPromise
    by: datetime.date


# Every criterion the grid finds not conforming has its correction here (a test
# holds the two together).
CORRECTIONS = {
    "12.1": Correction(
        _(
            "Ajouter une page « Plan du site », liée depuis le pied de chaque page, "
            "qui liste les pages publiques et, pour les personnes connectées, celles "
            "de leur espace."
        ),
        datetime.date(2027, 3, 31),
    ),
}


def non_conformities() -> list[tuple[Criterion, Correction]]:
    return [
        (criterion, CORRECTIONS[criterion.number])
        for criterion in grid()
        if criterion.status == NOT_CONFORMING
    ]
