"""The interface in French (source) and English: pages, the switch, the cache, the catalog."""

import ast
import gettext
import re
import struct
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from commitments.models import Engagement
from tests import factories

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
SWITCH_TO_ENGLISH = reverse("switch_language", args=["en"])


def _page(response):
    assert response.status_code == 200
    return response.content.decode()


# --- Pages in each language ----------------------------------------------------


def test_it_speaks_french_by_default(client, seed):
    content = _page(client.get("/"))

    assert '<html lang="fr">' in content
    assert "Les engagements Quali'Coop" in content
    assert "Se connecter" in content
    assert "Sign in" not in content
    assert f'href="{SWITCH_TO_ENGLISH}?next=/" lang="en" hreflang="en"' in content


def test_it_speaks_english_when_the_language_cookie_says_so(client, seed):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = _page(client.get("/"))

    assert '<html lang="en">' in content
    assert "The Quali'Coop commitments" in content
    assert "Sign in" in content and "The cooperatives" in content
    assert "Se connecter" not in content
    assert 'href="/langue/fr/?next=/" lang="fr" hreflang="fr"' in content
    # The content stays as the federation wrote it.
    assert escape(Engagement.objects.get(number=1).title) in content


def test_it_stays_french_whatever_the_browser_prefers(client, seed):
    # The content is French: English only when the visitor chooses it.
    content = _page(client.get("/engagements/1/", headers={"accept-language": "en-GB,en;q=0.8"}))

    assert '<html lang="fr">' in content
    assert "Engagement 1" in content


def test_it_translates_the_workspace_forms_and_statuses(client, campaign, coop_a, staff_a):
    factories.make_selection(coop_a, campaign, numbers=[1])
    client.force_login(staff_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    dashboard = _page(client.get(reverse("workspace:dashboard", args=[coop_a.slug])))
    response = client.post(
        reverse("workspace:project_create", args=[coop_a.slug, 1]), {"title": "", "description": ""}
    )

    assert "Sign out" in dashboard and "My workspace" in dashboard
    assert "Draft" in dashboard and "Brouillon" not in dashboard
    errors = _page(response)
    assert "Give the project a title." in errors
    assert "Describe the project." in errors


def test_it_translates_the_federation_pages(client, seed, reviewer):
    client.force_login(reviewer)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = _page(client.get(reverse("federation:queue")))

    assert "The cooperatives' selections" in content
    assert "Validated" in content


def test_it_translates_the_sign_in_page(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    content = _page(client.get(reverse("accounts:login")))

    assert '<html lang="en">' in content
    assert "Forgotten your password?" in content


# --- The switch ----------------------------------------------------------------


def test_it_switches_to_english_and_back_to_the_page(client, seed):
    response = client.get(SWITCH_TO_ENGLISH, {"next": "/engagements/3/?x=1"})

    assert response.status_code == 302
    assert response["Location"] == "/engagements/3/?x=1"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Commitment 3" in _page(client.get("/engagements/3/"))

    client.get(reverse("switch_language", args=["fr"]), {"next": "/"})
    assert "Engagement 3" in _page(client.get("/engagements/3/"))


def test_it_links_each_page_to_itself_in_the_other_language(client, seed):
    content = _page(client.get("/projets/", {"q": "logement"}))

    assert f'href="{SWITCH_TO_ENGLISH}?next=/projets/%3Fq%3Dlogement"' in content


@pytest.mark.parametrize("code", ["de", "EN", "xx-yy"])
def test_it_refuses_an_unknown_language(client, db, code):
    response = client.get(reverse("switch_language", args=[code]), {"next": "/"})

    assert response.status_code == 404
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http:\\\\evil.example", ""]
)
def test_it_refuses_an_open_redirect(client, db, target):
    response = client.get(SWITCH_TO_ENGLISH, {"next": target})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_the_language_cookie_is_read_by_the_server_alone(client, db):
    cookie = client.get(SWITCH_TO_ENGLISH).cookies[settings.LANGUAGE_COOKIE_NAME]

    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_the_language_cookie_follows_the_secure_setting(client, db, settings):
    settings.LANGUAGE_COOKIE_SECURE = True

    cookie = client.get(SWITCH_TO_ENGLISH).cookies[settings.LANGUAGE_COOKIE_NAME]

    assert cookie["secure"] is True


def test_it_only_answers_get(client, db):
    assert client.post(SWITCH_TO_ENGLISH, {"next": "/"}).status_code == 405


# --- The page cache never crosses languages ------------------------------------


def test_it_never_serves_a_cached_page_in_the_other_language(
    client, seed, settings, django_assert_num_queries
):
    settings.PUBLIC_PAGE_CACHE = True
    cache.clear()

    french = _page(client.get("/"))
    client.get(SWITCH_TO_ENGLISH, {"next": "/"})
    english = _page(client.get("/"))
    with django_assert_num_queries(0):
        english_again = _page(client.get("/"))
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    with django_assert_num_queries(0):
        french_again = _page(client.get("/"))
    browser_prefers_english = _page(client.get("/", headers={"accept-language": "en"}))

    assert '<html lang="fr">' in french and "Se connecter" in french
    assert '<html lang="en">' in english and "Sign in" in english
    assert english_again == english
    assert french_again == french
    assert browser_prefers_english == french


# --- The catalog: complete, compiled, in step with the sources -----------------


def _po_entries():
    """(msgctxt, msgid, msgid_plural, [msgstr…], flags) for each entry of the English .po."""
    entries, entry, field = [], None, None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry:
                entries.append(entry)
            entry = None
            continue
        entry = entry or {"msgctxt": None, "msgid_plural": None, "msgstr": {}, "flags": ""}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif match := re.match(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d)\])? (".*")$', line):
            keyword, index, text = match.groups()
            field = (keyword, int(index or 0))
            if keyword == "msgstr":
                entry["msgstr"][field[1]] = ast.literal_eval(text)
            else:
                entry[keyword] = ast.literal_eval(text)
        else:  # a continuation line
            if field[0] == "msgstr":
                entry["msgstr"][field[1]] += ast.literal_eval(line)
            else:
                entry[field[0]] += ast.literal_eval(line)
    header, *messages = entries
    assert header["msgid"] == ""
    return messages


def test_it_translates_every_message_of_the_catalog():
    entries = _po_entries()

    untranslated = [e["msgid"] for e in entries if not all(e["msgstr"].values())]
    fuzzy = [e["msgid"] for e in entries if "fuzzy" in e["flags"]]
    plural_forms = [e["msgid"] for e in entries if e["msgid_plural"] and len(e["msgstr"]) != 2]
    assert len(entries) > 500
    assert untranslated == []
    assert fuzzy == []
    assert plural_forms == []


def test_it_ships_a_compiled_catalog_identical_to_the_po():
    """The .mo is committed (CI has no gettext): it must hold exactly the .po's messages."""
    mo_path = LOCALE / "django.mo"
    entries = _po_entries()
    with mo_path.open("rb") as mo_file:
        compiled = gettext.GNUTranslations(mo_file)
    magic, _revision, count = struct.unpack("<3I", mo_path.read_bytes()[:12])

    stale = []
    for e in entries:
        context = e["msgctxt"]
        if e["msgid_plural"]:
            for n, index in ((1, 0), (2, 1)):
                got = (
                    compiled.npgettext(context, e["msgid"], e["msgid_plural"], n)
                    if context
                    else compiled.ngettext(e["msgid"], e["msgid_plural"], n)
                )
                if got != e["msgstr"][index]:
                    stale.append(e["msgid"])
        else:
            got = (
                compiled.pgettext(context, e["msgid"]) if context else compiled.gettext(e["msgid"])
            )
            if got != e["msgstr"][0]:
                stale.append(e["msgid"])
    assert magic == 0x950412DE
    assert stale == [], "Run `manage.py compilemessages -l en` and commit the .mo"
    # Plus the header: a message removed from the .po must be gone from the .mo too.
    assert count == len(entries) + 1


def _template_messages():
    """Every (context, msgid) written in a template's translate or blocktranslate tag."""
    found = set()
    for path in (Path(settings.BASE_DIR) / "templates").rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"\{% translate (\"[^\"]*\"|'[^']*')", text):
            found.add((None, match.group(1)[1:-1]))
        blocks = re.finditer(
            r"\{% blocktranslate(?P<args>[^%]*)%\}(?P<body>.*?)\{% endblocktranslate %\}",
            text,
            re.DOTALL,
        )
        for block in blocks:
            body = block["body"].split("{% plural %}")[0]
            body = re.sub(r"\{\{ *(\w+) *\}\}", r"%(\1)s", body)
            context = re.search(r'context "([^"]*)"', block["args"])
            found.add((context and context.group(1), body))
    return found


def _python_messages():
    """Every literal msgid given to gettext in the project's Python code."""
    names = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy"}
    found = set()
    for folder in ("commitments", "coops", "qualicoop"):
        for path in (Path(settings.BASE_DIR) / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in names
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.add((None, node.args[0].value))
    return found


def test_it_has_every_message_of_the_sources_in_the_catalog():
    """A new string needs `manage.py makemessages -l en`, a translation, and compilemessages."""
    catalog = {(e["msgctxt"], e["msgid"]) for e in _po_entries()}
    written = _template_messages() | _python_messages()

    assert len(written) > 500
    assert sorted(written - catalog, key=str) == []


@pytest.mark.parametrize(
    "french, english",
    [
        ("Les engagements", "The commitments"),  # public
        ("Annuaire des coopératives", "Directory of cooperatives"),  # public
        ("Choisir les engagements", "Choose the commitments"),  # workspace
        ("Soumettre pour validation", "Submit for validation"),  # workspace
        ("Examen des sélections", "Review of selections"),  # federation
        ("Demander des modifications", "Request changes"),  # federation
        ("Mot de passe oublié ?", "Forgotten your password?"),  # accounts
        ("Se connecter", "Sign in"),  # accounts
        ("Message de la fédération :", "Message from the federation:"),  # emails
        ("Modifications demandées", "Changes requested"),  # statuses
    ],
)
def test_it_translates_a_sample_of_each_area(french, english):
    with translation.override("en"):
        assert translation.gettext(french) == english
    with translation.override("fr"):
        assert translation.gettext(french) == french


def test_it_translates_plurals():
    with translation.override("en"):
        one = translation.ngettext("%(counter)s projet", "%(counter)s projets", 1) % {"counter": 1}
        many = translation.ngettext("%(counter)s projet", "%(counter)s projets", 5) % {"counter": 5}

    assert (one, many) == ("1 project", "5 projects")


def test_it_renders_an_email_in_english(db):
    with translation.override("en"):
        subject = render_to_string(
            "emails/selection_validated_subject.txt", {"campaign": {"name": "Quali'Coop 2027"}}
        )

    assert subject.strip() == "[Quali'Coop] Your selection is validated (Quali'Coop 2027)"


def test_it_tells_shared_caches_that_the_page_depends_on_the_language_cookie(client, seed):
    response = client.get("/engagements/1/")
    assert "Cookie" in response["Vary"]
    assert response["Content-Language"] == "fr"
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert client.get("/engagements/1/")["Content-Language"] == "en"
