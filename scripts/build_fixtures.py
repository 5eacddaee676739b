#!/usr/bin/env python3
"""Build the reference-data fixtures from the federation's Quali'Coop page.

The federation publishes its 3 pillars, 12 engagements and 67 example projects
(each carried by one of 8 cooperatives) as a plain page of text. That page is
the reference: the fixtures must hold it word for word, with every project
attached to the cooperative that carries it and to the right engagement. Typing
that by hand is error-prone (typographic quotes, non-breaking spaces, cooperative
names spelt five different ways), so this script derives the fixtures from the
page and refuses to write anything it is not sure of.

It is not in the runtime path: the generated fixtures are committed and loaded
with ``manage.py loaddata reference cooperatives campaign_2024``. Re-run it only
when the seed page or the hand-written parts below (project titles,
cooperatives) change, and commit the result:

    python scripts/build_fixtures.py [path/to/quali-coop-engagements.txt]

The default seed is the copy of the page kept in the repository,
``fixtures/seed/quali-coop-engagements.txt``, so that the fixtures can be
rebuilt and checked from a checkout alone. Stdlib only; output is deterministic.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
FIXTURES_DIR = REPO_ROOT / "fixtures"
DEFAULT_SEED = FIXTURES_DIR / "seed" / "quali-coop-engagements.txt"

EXPECTED_PILLARS = 3
EXPECTED_ENGAGEMENTS = 12
EXPECTED_PROJECTS = 67
MIN_ENGAGEMENTS = 8


class SeedError(Exception):
    """The seed page does not say what this script expects; nothing is written."""


# --------------------------------------------------------------------------
# Cooperatives
# --------------------------------------------------------------------------

# (pk, name, slug, region, where) — slugs are hard-coded on purpose (URLs must
# not change if slugify ever does) and checked against a slugify equivalent.
# "where" only serves the neutral one-sentence description.
COOPERATIVES = [
    (
        1,
        "Grand Delta Habitat",
        "grand-delta-habitat",
        "Provence-Alpes-Côte d'Azur",
        "à Avignon, en Provence-Alpes-Côte d’Azur",
    ),
    (2, "La CAPS", "la-caps", "Île-de-France", "en Île-de-France"),
    (3, "Coop Logis", "coop-logis", "Pays de la Loire", "en Mayenne, dans les Pays de la Loire"),
    (4, "Le Logis Corse", "le-logis-corse", "Corse", "en Corse"),
    (5, "Le COL", "le-col", "Nouvelle-Aquitaine", "en Nouvelle-Aquitaine"),
    (6, "Batigère Maison Familiale", "batigere-maison-familiale", "Grand Est", "dans le Grand Est"),
    (7, "Le Logis Breton", "le-logis-breton", "Bretagne", "en Bretagne"),
    (8, "Aiguillon Résidences", "aiguillon-residences", "Bretagne", "en Bretagne"),
]

# How the page names the carrier of a project, case-sensitive (the page writes
# carriers in capitals; "au Logis Breton" or "Fondation BATIGERE" are mentions,
# not carriers, and are deliberately not matched).
NAME_VARIANTS = [
    ("GRAND DELTA HABITAT", "grand-delta-habitat"),
    ("GDH", "grand-delta-habitat"),
    ("CAPS", "la-caps"),
    ("COOP LOGIS", "coop-logis"),
    ("LOGIS CORSE", "le-logis-corse"),
    ("COL", "le-col"),
    ("BATIGERE MAISON FAMILIALE", "batigere-maison-familiale"),
    ("LOGIS BRETON", "le-logis-breton"),
    ("AIGUILLON RESIDENCES", "aiguillon-residences"),
    ("AIGUILLON RESIDENCE", "aiguillon-residences"),  # sic, once on the page
]
_VARIANT_RE = re.compile(
    r"(?<!\w)("
    + "|".join(re.escape(v) for v, _ in sorted(NAME_VARIANTS, key=lambda x: -len(x[0])))
    + r")(?!\w)"
)
_VARIANT_TO_SLUG = dict(NAME_VARIANTS)


def slugify(value: str) -> str:
    """Same result as django.utils.text.slugify (allow_unicode=False)."""
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode("ascii")
    value = re.sub(r"[^\w\s-]", "", value.lower())
    return re.sub(r"[-\s]+", "-", value).strip("-_")


# --------------------------------------------------------------------------
# Project titles (the page has none). Key: (cooperative slug, engagement
# number, index of the project within that pair, in page order).
# --------------------------------------------------------------------------

PROJECT_TITLES = {
    # Engagement 1
    ("grand-delta-habitat", 1, 0): "Offre en PSLA et locatif intermédiaire",
    ("la-caps", 1, 0): "Commercialisation partagée avec le territoire",
    ("coop-logis", 1, 0): "Accession sociale pour les salariés du territoire",
    ("le-logis-corse", 1, 0): "Formation au bail réel solidaire",
    ("le-col", 1, 0): "Panel structuré d’habitats seniors",
    # Engagement 2
    ("batigere-maison-familiale", 2, 0): "Un stagiaire ou alternant par an",
    ("le-logis-breton", 2, 0): "Partenariats avec les associations locales",
    ("grand-delta-habitat", 2, 0): "Foncière commerce pour les centres-villes",
    ("coop-logis", 2, 0): "Salariés engagés dans des actions locales",
    ("le-logis-corse", 2, 0): "Marchés de travaux en lots séparés",
    ("le-col", 2, 0): "Coopération avec les structures locales de l’ESS",
    ("aiguillon-residences", 2, 0): "Tremplin pour de jeunes artistes locaux",
    # Engagement 3
    ("le-logis-breton", 3, 0): "Habitants associés à l’aménagement des espaces communs",
    ("coop-logis", 3, 0): "Aménagements plus sobres et favorables à la biodiversité",
    ("le-logis-corse", 3, 0): "Politique de communication auprès des élus",
    ("le-col", 3, 0): "Feuille de route pour un aménagement bas carbone",
    # Engagement 4
    ("batigere-maison-familiale", 4, 0): "Gestion locative formée à l’accession sociale",
    ("le-logis-breton", 4, 0): "Service ID’Coop pour les micro-projets",
    ("grand-delta-habitat", 4, 0): "Visites de courtoisie chez les locataires",
    ("la-caps", 4, 0): "Budget « vie coopérative » par résidence",
    ("aiguillon-residences", 4, 0): "Académie des Acquéreurs dans le Finistère",
    # Engagement 5
    ("batigere-maison-familiale", 5, 0): "Enquêtes régulières auprès des coopérateurs",
    ("le-logis-breton", 5, 0): "Une Assemblée générale plus vivante",
    ("grand-delta-habitat", 5, 0): "Ateliers avec le Conseil de concertation locative",
    ("la-caps", 5, 0): "Trois enquêtes de satisfaction par opération",
    ("le-col", 5, 0): "Plateforme du Club des Coopérateurs",
    # Engagement 6
    ("batigere-maison-familiale", 6, 0): "Sensibilisation aux Assemblées générales",
    ("grand-delta-habitat", 6, 0): "Sociétariat des salariés et des bénéficiaires",
    ("le-col", 6, 0): "Une Assemblée générale incontournable",
    ("aiguillon-residences", 6, 0): "Outils de vote en Assemblée générale",
    # Engagement 7
    ("batigere-maison-familiale", 7, 0): "Une action solidaire par an",
    ("le-logis-breton", 7, 0): "Communication dédiée à la vie coopérative",
    ("grand-delta-habitat", 7, 0): "Newsletter mensuelle des coopérateurs",
    ("coop-logis", 7, 0): "Newsletter semestrielle sur les temps forts",
    ("la-caps", 7, 0): "Club de coopérateurs ambassadeurs",
    ("le-logis-corse", 7, 0): "Espace coopérateur sur le site internet",
    ("aiguillon-residences", 7, 0): "Réunion annuelle post-AG des collaborateurs coopérateurs",
    # Engagement 8
    ("le-logis-breton", 8, 0): "Argumentaire partagé sur le modèle coopératif",
    ("grand-delta-habitat", 8, 0): "Culture coopérative dans l’intégration des salariés",
    ("la-caps", 8, 0): "Parcours d’accueil et compagnonnage des nouveaux salariés",
    ("coop-logis", 8, 0): "Parcours d’intégration des collaborateurs revisité",
    ("le-logis-corse", 8, 0): "Demi-journée des coopérateurs lors de l’AG",
    ("aiguillon-residences", 8, 0): "Chaque nouveau collaborateur formé à la coopération",
    # Engagement 9
    ("batigere-maison-familiale", 9, 0): "Accompagnement au-delà des garanties de dix ans",
    ("le-logis-breton", 9, 0): "Aide financière Fid&coop' pour les locataires",
    ("grand-delta-habitat", 9, 0): "Dispositif Delta Energie face à la crise",
    ("grand-delta-habitat", 9, 1): "Offre de services « Alter Sénior »",
    ("la-caps", 9, 0): "Fiche de suivi du coopérateur accédant",
    ("coop-logis", 9, 0): "Communication client tout au long du parcours",
    ("le-logis-corse", 9, 0): "Solutions adaptées aux évolutions de situation",
    ("aiguillon-residences", 9, 0): "Choix des revêtements avec outil de prévisualisation",
    # Engagement 10
    ("la-caps", 10, 0): "Rapport d’activité valorisant le modèle économique",
    ("le-col", 10, 0): "Indicateurs ESG pour la levée de fonds",
    # Engagement 11
    ("batigere-maison-familiale", 11, 0): "Guide des bonnes pratiques et écogestes",
    ("coop-logis", 11, 0): "Guide des éco-gestes mis à jour",
    ("le-logis-corse", 11, 0): "Réunions de sensibilisation à l’énergie avec le CAUE",
    ("grand-delta-habitat", 11, 0): "Élargissement du dispositif Delta Collect",
    ("la-caps", 11, 0): "Logement responsable et coopératif",
    ("le-col", 11, 0): "Recherche en contrat CIFRE sur l’énergie",
    ("aiguillon-residences", 11, 0): "Engagements « Logement santé » en accession",
    # Engagement 12
    ("batigere-maison-familiale", 12, 0): "Programme innovant par son mode constructif",
    ("le-logis-corse", 12, 0): "Produits innovants pour la sobriété énergétique",
    ("le-logis-breton", 12, 0): "Habitat coopératif conçu avec les habitants",
    ("grand-delta-habitat", 12, 0): "Opérations en bail réel solidaire",
    ("coop-logis", 12, 0): "Compétence OFS et bail réel solidaire en Mayenne",
    ("le-col", 12, 0): "Montée en compétences sur les méthodes de gestion",
    ("aiguillon-residences", 12, 0): "Rendez-vous de l’accession dans le Finistère",
}

# --------------------------------------------------------------------------
# Campaign 2024
# --------------------------------------------------------------------------

CAMPAIGN = {
    "pk": 1,
    "name": "Quali'Coop 2024",
    "slug": "qualicoop-2024",
    "opens_on": "2024-01-15",
    "closes_on": "2024-06-30",
    "min_engagements": MIN_ENGAGEMENTS,
}
PUBLISHED_MESSAGE = "Positionnement publié par la fédération."

# Europe/Paris offsets for the dates used (summer time starts 2024-03-31).
CET = timezone(timedelta(hours=1))
CEST = timezone(timedelta(hours=2))


def _iso(dt: datetime) -> str:
    return dt.isoformat()


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

# The page puts a non-breaking space before some colons ("Pilier 1\u00a0: …").
_PILLAR_RE = re.compile(r"^Pilier\s+(\d+)\s*:\s*(.+?)\s*:\s*(.+)$")
_ENGAGEMENT_RE = re.compile(r"^Engagement\s+n°\s*(\d+)\s*:\s*(.+)$")
_BULLET_PREFIX = "  • "


@dataclass
class Engagement:
    number: int
    pillar: int
    title: str
    description: str = ""
    projects: list[str] = field(default_factory=list)


@dataclass
class Seed:
    pillars: dict[int, tuple[str, str]]
    engagements: dict[int, Engagement]


def parse_seed(text: str) -> Seed:
    pillars: dict[int, tuple[str, str]] = {}
    engagements: dict[int, Engagement] = {}
    current_pillar: int | None = None
    current: Engagement | None = None
    want_description = False

    for lineno, line in enumerate(text.splitlines(), start=1):
        if m := _PILLAR_RE.match(line.strip()):
            number = int(m.group(1))
            if number in pillars:
                raise SeedError(f"line {lineno}: pillar {number} appears twice")
            pillars[number] = (m.group(2).strip(), m.group(3).strip())
            current_pillar, current, want_description = number, None, False
            continue
        if m := _ENGAGEMENT_RE.match(line.strip()):
            number = int(m.group(1))
            if current_pillar is None:
                raise SeedError(f"line {lineno}: engagement {number} before any pillar")
            if number in engagements:
                raise SeedError(f"line {lineno}: engagement {number} appears twice")
            current = Engagement(number, current_pillar, m.group(2).strip())
            engagements[number] = current
            want_description = True
            continue
        if line.startswith(_BULLET_PREFIX):
            if current is None:
                raise SeedError(f"line {lineno}: project bullet outside an engagement")
            current.projects.append(line.strip().removeprefix("•").strip())
            continue
        if want_description and line.strip():
            # The paragraph right after the title line is the description.
            current.description = line.strip()
            want_description = False

    if sorted(pillars) != list(range(1, EXPECTED_PILLARS + 1)):
        raise SeedError(f"expected pillars 1–{EXPECTED_PILLARS}, found {sorted(pillars)}")
    if sorted(engagements) != list(range(1, EXPECTED_ENGAGEMENTS + 1)):
        raise SeedError(
            f"expected engagements 1–{EXPECTED_ENGAGEMENTS}, found {sorted(engagements)}"
        )
    for eng in engagements.values():
        expected_pillar = (eng.number - 1) // 4 + 1
        if eng.pillar != expected_pillar:
            raise SeedError(
                f"engagement {eng.number} is under pillar {eng.pillar}, expected {expected_pillar}"
            )
        if not eng.description:
            raise SeedError(f"engagement {eng.number} has no description paragraph")
        if not eng.projects:
            raise SeedError(f"engagement {eng.number} has no project")
    total = sum(len(e.projects) for e in engagements.values())
    if total != EXPECTED_PROJECTS:
        raise SeedError(f"expected {EXPECTED_PROJECTS} projects, found {total}")
    return Seed(pillars, engagements)


def carrier_of(project_text: str) -> str:
    """Slug of the cooperative carrying the project: the first name it cites.

    Any later mention must be the same cooperative (e.g. "… offres de GDH"); a
    project citing two different cooperatives is refused rather than guessed.
    """
    slugs = [_VARIANT_TO_SLUG[m.group(1)] for m in _VARIANT_RE.finditer(project_text)]
    if not slugs:
        raise SeedError(f"no cooperative named in project: {project_text[:90]!r}…")
    if len(set(slugs)) > 1:
        raise SeedError(
            f"several cooperatives named ({', '.join(dict.fromkeys(slugs))}) in project: "
            f"{project_text[:90]!r}…"
        )
    return slugs[0]


# --------------------------------------------------------------------------
# Fixture building
# --------------------------------------------------------------------------


def _record(model: str, pk: int, fields: dict) -> dict:
    return {"model": model, "pk": pk, "fields": dict(sorted(fields.items()))}


def build_reference(seed: Seed) -> list[dict]:
    records = [
        _record("commitments.pillar", n, {"number": n, "name": name, "tagline": tagline})
        for n, (name, tagline) in sorted(seed.pillars.items())
    ]
    records += [
        _record(
            "commitments.engagement",
            e.number,
            {
                "number": e.number,
                "pillar": e.pillar,
                "title": e.title,
                "description": e.description,
            },
        )
        for e in sorted(seed.engagements.values(), key=lambda e: e.number)
    ]
    return records


def build_cooperatives() -> list[dict]:
    records = []
    for pk, name, slug, region, where in COOPERATIVES:
        if slugify(name) != slug:
            raise SeedError(f"slug {slug!r} is not slugify({name!r}) = {slugify(name)!r}")
        description = (
            f"Coopérative Hlm implantée {where}, engagée dans la démarche "
            f"Quali’Coop de la fédération des Coop’HLM."
        )
        records.append(
            _record(
                "coops.cooperative",
                pk,
                {
                    "name": name,
                    "slug": slug,
                    "region": region,
                    "website": "",
                    "description": description,
                },
            )
        )
    return records


def build_campaign(seed: Seed) -> list[dict]:
    if slugify(CAMPAIGN["name"]) != CAMPAIGN["slug"]:
        raise SeedError(f"campaign slug {CAMPAIGN['slug']!r} is not slugify(name)")
    coop_pk = {slug: pk for pk, _, slug, _, _ in COOPERATIVES}

    # (cooperative slug, engagement number) -> project texts, in page order.
    by_pair: dict[tuple[str, int], list[str]] = {}
    for eng in sorted(seed.engagements.values(), key=lambda e: e.number):
        for text in eng.projects:
            by_pair.setdefault((carrier_of(text), eng.number), []).append(text)

    expected_keys = {(s, n, i) for (s, n), texts in by_pair.items() for i in range(len(texts))}
    if missing := sorted(expected_keys - PROJECT_TITLES.keys()):
        raise SeedError(f"no title written for projects {missing}")
    if extra := sorted(PROJECT_TITLES.keys() - expected_keys):
        raise SeedError(f"titles written for projects the page does not have: {extra}")
    for key, title in PROJECT_TITLES.items():
        if not 3 <= len(title.split()) <= 8 or len(title) > 200:
            raise SeedError(f"title of {key} should be 3–8 words, ≤ 200 chars: {title!r}")

    for slug in coop_pk:
        chosen = sorted(n for s, n in by_pair if s == slug)
        if len(chosen) < MIN_ENGAGEMENTS:
            raise SeedError(
                f"{slug} covers {len(chosen)} engagements on the page ({chosen}), "
                f"fewer than {MIN_ENGAGEMENTS}"
            )

    records = [
        _record(
            "commitments.campaign", CAMPAIGN["pk"], {k: v for k, v in CAMPAIGN.items() if k != "pk"}
        )
    ]
    selections, choices, projects, transitions = [], [], [], []
    choice_pk = project_pk = 0
    for pk, _, slug, _, _ in COOPERATIVES:
        # Plausible, spread-out timeline inside the campaign (Jan 15 – Jun 30).
        created = datetime(2024, 1, 15 + 2 * pk, 9, 30, tzinfo=CET)
        drafted = datetime(2024, 2, 5 + 2 * pk, 10, 0, tzinfo=CET)
        submitted = datetime(2024, 5, 5 + 2 * pk, 16, 0, tzinfo=CEST)
        decided = datetime(2024, 6, 9 + pk, 11, 0, tzinfo=CEST)
        selections.append(
            _record(
                "commitments.selection",
                pk,
                {
                    "cooperative": pk,
                    "campaign": CAMPAIGN["pk"],
                    "revision": 1,
                    "status": "validated",
                    "is_published": True,
                    "created_at": _iso(created),
                    "updated_at": _iso(decided),
                    "submitted_at": _iso(submitted),
                    "decided_at": _iso(decided),
                },
            )
        )
        transitions.append(
            _record(
                "commitments.transition",
                pk,
                {
                    "selection": pk,
                    "from_status": "submitted",
                    "to_status": "validated",
                    "actor": None,
                    "message": PUBLISHED_MESSAGE,
                    "created_at": _iso(decided),
                    "snapshot": None,
                },
            )
        )
        pairs = sorted((n, texts) for (s, n), texts in by_pair.items() if s == slug)
        for offset, (number, texts) in enumerate(pairs):
            choice_pk += 1
            chosen_at = drafted + timedelta(minutes=5 * offset)
            choices.append(
                _record(
                    "commitments.choice",
                    choice_pk,
                    {
                        "selection": pk,
                        "engagement": number,
                        "created_at": _iso(chosen_at),
                    },
                )
            )
            for position, text in enumerate(texts):
                project_pk += 1
                written_at = chosen_at + timedelta(minutes=1 + position)
                projects.append(
                    _record(
                        "commitments.project",
                        project_pk,
                        {
                            "choice": choice_pk,
                            "title": PROJECT_TITLES[(slug, number, position)],
                            "description": text,
                            "objectives": "",
                            "indicators": "",
                            "target_date": None,
                            "progress": "planned",
                            "position": position,
                            "version": 1,
                            # A first version: its public identity is its own pk.
                            "public_id": project_pk,
                            "created_at": _iso(written_at),
                            "updated_at": _iso(written_at),
                        },
                    )
                )
    if project_pk != EXPECTED_PROJECTS:
        raise SeedError(f"expected {EXPECTED_PROJECTS} projects, built {project_pk}")
    return records + selections + choices + projects + transitions


def write_fixture(path: Path, records: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "seed",
        nargs="?",
        type=Path,
        help="the federation's page as text "
        f"(default: {DEFAULT_SEED.relative_to(REPO_ROOT)}, in the repository)",
    )
    args = parser.parse_args(argv)
    seed_path = args.seed if args.seed is not None else DEFAULT_SEED
    try:
        text = seed_path.read_text(encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot read the seed page: {exc}", file=sys.stderr)
        return 1
    try:
        seed = parse_seed(text)
        outputs = {
            "reference.json": build_reference(seed),
            "cooperatives.json": build_cooperatives(),
            "campaign_2024.json": build_campaign(seed),
        }
    except SeedError as exc:
        print(f"error: {exc} — no fixture written.", file=sys.stderr)
        return 1
    for name, records in outputs.items():
        write_fixture(FIXTURES_DIR / name, records)
        print(f"wrote {FIXTURES_DIR.relative_to(REPO_ROOT) / name} ({len(records)} objects)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
