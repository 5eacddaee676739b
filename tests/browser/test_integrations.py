"""A référente gives a partner's tool a key and a webhook, in a real browser."""

import re

import pytest
from playwright.sync_api import expect

from coops.models import ApiKey
from qualicoop.webhooks.models import Endpoint
from tests import factories

from .support import log_in


@pytest.fixture
def coop(transactional_db):
    coop = factories.make_coop("Coopérative des Tilleuls")
    factories.make_user("rose", coop=coop, first_name="Rose", last_name="Martin")
    return coop


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_key_is_shown_once_then_revoked_after_a_confirmation(new_page, live_server, coop):
    page = new_page()
    log_in(page, live_server.url, "rose", factories.PASSWORD)
    keys = f"{live_server.url}/espace/{coop.slug}/cles-api/"
    page.goto(keys)

    page.get_by_label("Nom de la clé").fill("Réviseur 2026")
    page.get_by_label("Lire").check()
    page.get_by_role("button", name="Créer la clé").click()

    expect(page.get_by_text("Clé « Réviseur 2026 » créée. Copiez-la maintenant")).to_be_visible()
    expect(page.locator("#nouvelle-cle")).to_have_text(re.compile(r"^qc_\w+_\S+$"))
    # Shown once: the list names it by its prefix, never again whole.
    page.goto(keys)
    expect(page.locator("#nouvelle-cle")).to_have_count(0)
    key = ApiKey.objects.get()
    expect(page.get_by_text(f"qc_{key.prefix}_…")).to_be_visible()

    page.get_by_role("link", name="Révoquer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Révoquer la clé ?")
    assert ApiKey.objects.get().revoked_at is None
    page.get_by_role("button", name="Révoquer la clé").click()

    expect(page.get_by_text("La clé « Réviseur 2026 » est révoquée")).to_be_visible()
    expect(page.get_by_text(re.compile("révoquée le"))).to_be_visible()
    assert ApiKey.objects.get().revoked_at is not None


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_webhook_is_registered_and_its_secret_shown_once(new_page, live_server, coop):
    page = new_page()
    log_in(page, live_server.url, "rose", factories.PASSWORD)
    hooks = f"{live_server.url}/espace/{coop.slug}/webhooks/"
    page.goto(hooks)
    expect(page.get_by_text("Aucun webhook n'est enregistré.")).to_be_visible()

    page.get_by_label("Adresse du webhook").fill("https://partenaire.example/crochet")
    page.get_by_label("Sélection validée").check()
    page.get_by_role("button", name="Ajouter le webhook").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Webhook ajouté")
    endpoint = Endpoint.objects.get()
    expect(page.locator("#secret")).to_have_text(endpoint.secret)
    page.get_by_role("link", name="Retour aux webhooks").click()
    expect(page.get_by_role("link", name="https://partenaire.example/crochet")).to_be_visible()
    assert endpoint.secret not in page.content()
    assert endpoint.events == ["selection.validated"]
