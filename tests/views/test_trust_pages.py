"""The trust pages: about, FAQ, guide, legal notice, contact and the accessibility declaration.

Each one is public, in French, listed in the sitemap, linked from every page's
footer, and runs a fixed number of queries.
"""

import csv
import io
import re
from decimal import ROUND_DOWN, Decimal
from html import unescape

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.urls import reverse

from qualicoop.public import accessibility_audit
from tests.rgaa_support import load_demonstration, sample_addresses

pytestmark = pytest.mark.django_db

PAGES = {
    "trust:about": "/a-propos/",
    "trust:faq": "/faq/",
    "trust:guide": "/guide/",
    "trust:legal": "/mentions-legales/",
    "trust:contact": "/contact/",
    "trust:accessibility": "/accessibilite/",
}


def text_of(response):
    """The page's visible words, tags dropped and spaces collapsed."""
    html = response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def footer_of(response):
    html = response.content.decode()
    return html[html.index('<footer class="site-footer">') :]


@pytest.mark.parametrize(("name", "path"), PAGES.items())
def test_it_serves_each_page_in_french_to_anyone(client, reference, name, path):
    assert reverse(name) == path

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="fr">' in html
    assert html.count("<h1") == 1
    assert "lorem" not in html.lower()


@pytest.mark.parametrize("path", PAGES.values())
def test_it_runs_a_fixed_number_of_queries(client, seed, path, django_assert_max_num_queries):
    # About reads the pillars, their engagements and the current campaign; the
    # others read nothing but the settings.
    with django_assert_max_num_queries(3):
        assert client.get(path).status_code == 200


def test_it_lists_every_page_in_the_sitemap(client, reference):
    sitemap = client.get(reverse("discovery:sitemap")).content.decode()

    for path in PAGES.values():
        assert f"<loc>{settings.SITE_URL}{path}</loc>" in sitemap


def test_the_home_page_footer_links_every_page_and_the_privacy_page(client, reference):
    footer = footer_of(client.get(reverse("public:home")))

    for path in [*PAGES.values(), reverse("accounts:privacy")]:
        assert f'href="{path}"' in footer


def test_the_footer_states_the_accessibility_status_with_a_link_to_the_declaration(
    client, reference
):
    footer = footer_of(client.get(reverse("public:home")))

    assert '<a href="/accessibilite/">Accessibilité : partiellement conforme</a>' in footer


def test_about_shows_the_pillars_engagements_and_campaign_calendar(client, seed):
    text = text_of(client.get(reverse("trust:about")))

    assert "Notre mission d'intérêt général" in text.replace("’", "'")
    assert "Notre gouvernance coopérative" in text
    assert "Notre modèle responsable" in text
    for number in range(1, 13):
        assert f"Engagement {number} " in text
    assert "Permettre l'accès à un logement abordable au plus grand nombre" in text
    assert "Le calendrier d'une campagne" in text
    for step in ["L'ouverture", "La soumission", "La relecture", "La publication"]:
        assert step in text


def test_about_names_the_current_campaign_and_its_minimum(client, campaign):
    text = text_of(client.get(reverse("trust:about")))

    assert f"« {campaign.name} »" in text
    assert f"au moins {campaign.min_engagements} engagements" in text


def test_the_faq_and_the_guide_answer_what_people_ask(client, reference):
    faq = text_of(client.get(reverse("trust:faq")))
    guide = text_of(client.get(reverse("trust:guide")))

    assert "Combien d'engagements une coopérative doit-elle choisir ?" in faq
    assert "Licence Ouverte 2.0" in faq
    assert "Ce que dit une bonne description de projet" in guide
    assert "Comment se passe la relecture" in guide
    assert "bail réel solidaire (BRS)" in guide


def test_the_legal_notice_names_the_publisher_and_says_who_hosts(client, db):
    text = text_of(client.get(reverse("trust:legal")))

    assert "Fédération nationale des sociétés coopératives d'HLM" in text
    assert "14 rue Lord Byron, 75008 Paris" in text
    assert settings.CONTACT_EMAIL in text
    # No hosting provider set: the publisher hosts the portal itself.
    assert "hébergé par son éditeur" in text
    assert "Licence Ouverte" in text


def test_the_legal_notice_reads_the_host_from_the_settings(client, db, settings):
    settings.HOSTING_PROVIDER_NAME = "Hébergeur Exemple SAS"
    settings.HOSTING_PROVIDER_ADDRESS = "1 rue de l'Exemple, 59000 Lille"
    settings.PUBLICATION_DIRECTOR = "Camille Martin"

    text = text_of(client.get(reverse("trust:legal")))

    assert "Hébergeur Exemple SAS" in text and "59000 Lille" in text
    assert "hébergé par son éditeur" not in text
    assert "Camille Martin" in text


def test_the_contact_page_gives_the_federations_address(client, db, settings):
    settings.CONTACT_EMAIL = "quali-coop@federation.example"

    response = client.get(reverse("trust:contact"))

    assert 'href="mailto:quali-coop@federation.example"' in response.content.decode()
    assert "14 rue Lord Byron" in text_of(response)


def test_the_accessibility_declaration_follows_the_rgaa_model(client, db):
    text = text_of(client.get(reverse("trust:accessibility")))

    assert "partiellement conforme" in text
    assert "RGAA), version 4.1" in text
    for heading in [
        "État de conformité",
        "Contenus non accessibles",
        "Établissement de cette déclaration",
        "Technologies utilisées",
        "Pages du portail ayant fait l'objet de la vérification de conformité",
        "Retour d'information et contact",
        "Voies de recours",
    ]:
        assert heading in text
    assert "Cette déclaration a été établie le 8 décembre 2026." in text
    assert "Défenseur des droits" in text and "Libre réponse 71120" in text
    assert settings.CONTACT_EMAIL in text


def test_the_pages_speak_english_when_chosen_and_mark_french_content(client, reference):
    client.cookies["django_language"] = "en"

    html = client.get(reverse("trust:about")).content.decode()

    assert '<html lang="en">' in html
    assert '<span lang="fr">Notre gouvernance coopérative</span>' in html


def test_the_favicon_answers_at_the_root(client, db):
    response = client.get("/favicon.ico")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def _grid_rows(text):
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def _rate_of(rows, codes):
    """The RGAA rate, from the grid's rows: C on every applicable page, over the applicable."""
    conforming = not_conforming = 0
    for row in rows:
        results = {row[code] for code in codes}
        if "NC" in results:
            not_conforming += 1
        elif results != {"NA"}:
            conforming += 1
    rate = Decimal(100 * conforming) / Decimal(conforming + not_conforming)
    return conforming, conforming + not_conforming, rate.quantize(Decimal("0.01"), ROUND_DOWN)


def test_the_audit_grid_downloads_with_every_criterion_and_page(client, db):
    response = client.get(reverse("trust:accessibility_grid"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    rows = _grid_rows(response.content.decode())
    assert len(rows) == 106
    assert len({row["critere"] for row in rows}) == 106
    codes = [page.code for page in accessibility_audit.SAMPLE]
    for row in rows:
        assert {row[code] for code in codes} <= {"C", "NC", "NA"}, row["critere"]
        assert row["justification"].strip(), row["critere"]
        assert row["methode"] in {"automatique", "manuelle", "automatique et manuelle"}


def test_the_declaration_shows_the_rate_computed_from_the_grid(client, db):
    rows = _grid_rows(client.get(reverse("trust:accessibility_grid")).content.decode())
    codes = [page.code for page in accessibility_audit.SAMPLE]
    conforming, applicable, rate = _rate_of(rows, codes)

    response = client.get(reverse("trust:accessibility"))

    text = text_of(response)
    shown = str(rate).replace(".", ",")
    assert f"RGAA), version 4.1 : {shown} % des critères applicables sont respectés." in text
    assert f"{conforming} critères conformes sur {applicable} critères applicables" in text
    assert 'href="/accessibilite/grille-rgaa.csv"' in response.content.decode()
    # Every criterion found not conforming is listed with its correction and its date.
    for row in rows:
        if "NC" in {row[code] for code in codes}:
            assert f"Critère {row['critere']} : " in text
    assert text.count("Correction prévue : ") == sum(
        "NC" in {row[code] for code in codes} for row in rows
    )


def test_the_declaration_tells_its_tools_plan_and_documents(client, db):
    text = text_of(client.get(reverse("trust:accessibility")))

    assert "L'audit de conformité réalisé le 8 décembre 2026" in text
    assert "Schéma pluriannuel de mise en accessibilité" in text
    for tool in ["axe-core", "Nu Html Checker", "pdfua"]:
        assert tool in text
    assert "balisés selon PDF/UA-1" in text
    assert "n'ont pas été vérifiés" not in text
    assert "Dérogations pour charge disproportionnée" in text
    # The sample the grid and the browser checks cover, page by page.
    for page in accessibility_audit.SAMPLE:
        assert str(page.name) in text


def test_every_page_of_the_sample_answers_to_its_people(client, db):
    load_demonstration()

    for page, path in sample_addresses():
        client.logout()
        if page.who:
            client.force_login(User.objects.get(username=page.who))
        response = client.get(path)
        assert response.status_code == 200, f"{page.code} {path}: {response.status_code}"
        assert response.content.decode().count("<h1") == 1, path


def test_the_grid_reads_no_data(client, seed, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get(reverse("trust:accessibility_grid")).status_code == 200
