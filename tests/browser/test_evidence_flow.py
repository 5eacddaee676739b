"""Evidence from upload to publication, and the dossier de révision, in a real browser.

Demo's référente attaches a private PDF to a project and a public photo to a
measured value, then submits; the reviewer accepts the photo and asks for
another PDF; once validated, the public page shows the photo and not the PDF;
the dossier's index lists both.
"""

import zipfile

import pytest
from playwright.sync_api import expect

from commitments.models import Evidence, Measurement, Project
from tests import factories
from tests.browser.demo import SLUG, demo_draft, load_demo
from tests.browser.support import log_in
from tests.browser.test_review_flow import _submit
from tests.evidence_support import ALLOWED
from tests.unit.test_documents import flat, pdf_text

PDF, PNG = ALLOWED[0][1], ALLOWED[1][1]


@pytest.fixture
def demo(transactional_db):
    load_demo()
    selection = demo_draft(description="Des ateliers avec les locataires.")
    measured = Project.objects.get(choice__selection=selection, choice__engagement__number=2)
    indicator = factories.make_indicator(measured, name="Ménages", target=40, unit="")
    factories.make_measurement(indicator, 12, measured_on="2026-01-15")
    return selection


def _attach(page, base, project, title, name, data, mime, *, target=None, public=False):
    page.goto(f"{base}/espace/{SLUG}/projets/{project.pk}/pieces/")
    if target:
        page.get_by_label("Pièce justifiant").select_option(target)
    page.get_by_label("Titre").fill(title)
    page.get_by_label("Fichier").set_input_files({"name": name, "mimeType": mime, "buffer": data})
    if public:
        page.get_by_label("Pièce publique").check()
    page.get_by_role("button", name="Ajouter la pièce").click()
    expect(page.get_by_text(f"Pièce « {title} » ajoutée.")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_evidence_goes_from_upload_to_the_public_page_and_the_dossier(
    page, new_page, live_server, demo
):
    base = live_server.url
    staff, reviewer = page, new_page()
    log_in(staff, base, "demo")
    log_in(reviewer, base, "federation")
    first = Project.objects.get(choice__selection=demo, choice__engagement__number=1)
    measured = Project.objects.get(choice__selection=demo, choice__engagement__number=2)
    measurement = Measurement.objects.get(indicator__project=measured)

    # 1. A private PDF on a project, a public photo on a measured value; then submitted.
    _attach(staff, base, first, "Procès-verbal du conseil", "pv.pdf", PDF, "application/pdf")
    _attach(
        staff,
        base,
        measured,
        "Photo de l'atelier",
        "atelier.png",
        PNG,
        "image/png",
        target=f"mesure-{measurement.pk}",
        public=True,
    )
    _submit(staff, base, "Avec nos pièces.")

    # 2. The reviewer accepts the photo and asks for another PDF.
    pv = Evidence.objects.get(title="Procès-verbal du conseil")
    photo = Evidence.objects.get(title="Photo de l'atelier")
    reviewer.goto(f"{base}/federation/selections/{demo.pk}/")
    reviewer.locator(f"#piece-{photo.pk}").get_by_role("link", name="Examiner la pièce").click()
    reviewer.get_by_role("button", name="Pièce acceptée").click()
    expect(reviewer.get_by_text("Pièce « Photo de l'atelier » acceptée.")).to_be_visible()
    reviewer.goto(f"{base}/federation/selections/{demo.pk}/")
    reviewer.locator(f"#piece-{pv.pk}").get_by_role("link", name="Examiner la pièce").click()
    reviewer.get_by_role("button", name="Demander une autre pièce").click()
    expect(reviewer.get_by_text("Dites quelle pièce est attendue.").first).to_be_visible()
    reviewer.get_by_label("Remarque").fill("Le procès-verbal signé, s'il vous plaît.")
    reviewer.get_by_role("button", name="Demander une autre pièce").click()
    expect(reviewer.get_by_text("Une autre pièce est demandée")).to_be_visible()
    reviewer.goto(f"{base}/federation/selections/{demo.pk}/")
    reviewer.get_by_role("button", name="Valider").click()
    expect(reviewer.get_by_text("est validée et publiée")).to_be_visible()

    # 3. The public page shows the public photo, never the private PDF.
    anonymous = new_page()
    anonymous.goto(f"{base}/projets/{measured.pk}/")
    expect(anonymous.get_by_role("link", name="Photo de l'atelier")).to_be_visible()
    anonymous.goto(f"{base}/projets/{first.pk}/")
    expect(anonymous.get_by_text("Procès-verbal du conseil")).to_have_count(0)

    # 4. The dossier de révision lists both, with the federation's answers.
    staff.goto(f"{base}/espace/{SLUG}/")
    staff.get_by_role("link", name="Dossier de révision").click()
    staff.get_by_role("button", name="Préparer un dossier de révision").click()
    with staff.expect_download() as download:
        staff.get_by_role("link", name="Télécharger").click()
    archive = zipfile.ZipFile(download.value.path())
    index = flat(pdf_text(archive.read("index.pdf")))
    assert "Photo de l'atelier (atelier.png) — Pièce acceptée" in index
    assert "Procès-verbal du conseil (pv.pdf) — Autre pièce demandée" in index
    assert any(name.endswith("atelier.png") for name in archive.namelist())
