"""The federation's synthesis of a campaign: its figures, its PDF and its spreadsheet, its job."""

import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from commitments.models import (
    Campaign,
    ProgressUpdate,
    Project,
    Selection,
    UpdateState,
)
from qualicoop.documents import synthesis
from qualicoop.documents.models import SynthesisJob
from qualicoop.documents.tasks import make_synthesis
from qualicoop.lib import file_store
from tests import factories
from tests.unit.test_documents import flat, pdf_text


@pytest.fixture
def campaign_2024(seed):
    campaign = Campaign.objects.get(slug="qualicoop-2024")
    projects = list(Project.objects.published().order_by("pk"))
    Project.objects.filter(pk__in=[projects[0].pk, projects[5].pk]).update(is_exemplary=True)
    reached = factories.make_indicator(projects[1], name="Logements livrés", target=10, unit="")
    factories.make_measurement(reached, 12, measured_on=datetime.date(2025, 3, 1))
    missed = factories.make_indicator(projects[2], name="Familles aidées", target=50, unit="")
    factories.make_measurement(missed, 20, measured_on=datetime.date(2025, 3, 1))
    factories.make_indicator(projects[3], name="Pas encore mesuré", target=5, unit="")
    today = timezone.localdate()
    for project, happened_on, state in (
        (projects[1], today - datetime.timedelta(days=30), UpdateState.PUBLISHED),
        (projects[2], today - datetime.timedelta(days=500), UpdateState.PUBLISHED),
        (projects[3], today - datetime.timedelta(days=10), UpdateState.SUBMITTED),
    ):
        ProgressUpdate.objects.create(
            project=project,
            lineage=project.lineage,
            state=state,
            status="done",
            text="Fait.",
            happened_on=happened_on,
        )
    return campaign


def test_it_counts_what_is_published_of_the_campaign(campaign_2024, coop_a):
    # A draft of another cooperative in the same campaign counts for nothing.
    factories.make_selection(coop_a, campaign_2024, numbers=[1, 2, 3], prefix="Brouillon ")

    figures = synthesis.compute(campaign_2024)

    assert figures.cooperative_count == 8
    assert figures.cooperatives_total == 9
    assert figures.project_count == 67
    by_number = {row.engagement.number: row for row in figures.engagements}
    assert len(by_number) == 12
    for number, row in by_number.items():
        chosen = Selection.objects.published().filter(choices__engagement__number=number)
        assert row.cooperatives == chosen.count()
        assert row.projects == (
            Project.objects.published().filter(choice__engagement__number=number).count()
        )
    assert sum(row.projects for row in figures.pillars) == 67
    assert sum(row.choices for row in figures.pillars) == 66
    assert [row.pillar.number for row in figures.pillars] == [1, 2, 3]
    assert sum(count for _label, count in figures.stages) == 67
    # Both published updates report a done project, whatever their age.
    assert dict(figures.stages)["Réalisé"] == 2
    assert figures.indicator_count == 3 and figures.measured_count == 2
    assert [line.indicator.name for line in figures.reached] == ["Logements livrés"]
    assert figures.update_count == 1
    assert len(figures.exemplary) == 2


def test_it_makes_a_pdf_and_a_spreadsheet_with_one_sheet_per_table(campaign_2024):
    Project.objects.filter(is_exemplary=True).update(title='=HYPERLINK("http://x";"clic")')
    figures = synthesis.compute(campaign_2024)

    words = flat(pdf_text(synthesis.pdf(figures)))
    book = load_workbook(io.BytesIO(synthesis.xlsx(figures)))

    # The brand once: the campaign's name already holds it.
    assert "Synthèse — Quali'Coop 2024" in words
    assert "Quali'Coop — Quali'Coop" not in words
    assert "Couverture des engagements" in words and "Projets exemplaires" in words
    assert "Logements livrés" in words
    assert book.sheetnames == [
        "Synthèse",
        "Engagements",
        "Piliers",
        "Avancement",
        "Indicateurs atteints",
        "Réseau en chiffres",
        "Points d'étape",
        "Projets exemplaires",
    ]
    engagements = list(book["Engagements"].iter_rows(values_only=True))
    assert engagements[0] == ("Engagement", "Pilier", "Intitulé", "Coopératives", "Projets")
    assert len(engagements) == 13
    exemplary = book["Projets exemplaires"]
    titles = [row[2] for row in exemplary.iter_rows(min_row=2)]
    # A title typed like a formula stays text: the formula guard typed the cell.
    assert all(cell.data_type == "s" for cell in titles)
    assert titles[0].value == '=HYPERLINK("http://x";"clic")'


def test_a_job_runs_once_and_keeps_its_files(campaign_2024, reviewer):
    job = factories.make_synthesis_job(campaign_2024, reviewer)

    make_synthesis.enqueue(job_id=job.pk)

    job.refresh_from_db()
    assert job.state == SynthesisJob.State.READY and job.progress == 100
    assert file_store.read(job.pdf_key).startswith(b"%PDF-")
    assert file_store.read(job.xlsx_key).startswith(b"PK")
    assert job.started_at <= job.finished_at
    # Queued twice (a resent task): the second run finds it done and does nothing.
    assert synthesis.run_job(job.pk) == SynthesisJob.State.READY


def test_a_failed_job_says_so(campaign_2024, reviewer, monkeypatch):
    job = factories.make_synthesis_job(campaign_2024, reviewer)

    def broken(figures):
        raise RuntimeError("plus de place")

    monkeypatch.setattr(synthesis, "pdf", broken)
    with pytest.raises(RuntimeError):
        synthesis.run_job(job.pk)

    job.refresh_from_db()
    assert job.state == SynthesisJob.State.FAILED
    assert "plus de place" in job.error
    assert job.pdf_key == ""


def test_a_synthesis_past_the_page_limit_fails_in_french(campaign_2024, reviewer, settings):
    settings.PDF_MAX_PAGES = 1
    job = factories.make_synthesis_job(campaign_2024, reviewer)

    assert synthesis.run_job(job.pk) == SynthesisJob.State.FAILED

    job.refresh_from_db()
    assert "Le document dépasserait 1 page" in job.message
    assert job.pdf_key == "" and job.xlsx_key == ""


def test_a_job_whose_worker_was_lost_no_longer_blocks(campaign_2024, reviewer):
    job = factories.make_synthesis_job(campaign_2024, reviewer)
    assert synthesis.under_way(campaign_2024) == job

    later = timezone.now() + synthesis.STALE_AFTER + datetime.timedelta(minutes=1)

    assert synthesis.under_way(campaign_2024, later) is None


def test_a_year_before_a_29_february():
    assert synthesis.a_year_before(datetime.date(2028, 2, 29)) == datetime.date(2027, 2, 28)


def test_it_includes_the_networks_totals_of_the_campaigns_year(campaign, reviewer):
    from tests.network_support import build_network

    build_network(campaign, reviewer)
    campaign.opens_on = datetime.date(2025, 1, 15)
    campaign.save()

    figures = synthesis.compute(campaign)
    words = flat(pdf_text(synthesis.pdf(figures)))
    book = load_workbook(io.BytesIO(synthesis.xlsx(figures)))

    assert figures.network_year == 2025
    rows = list(book["Réseau en chiffres"].iter_rows(values_only=True))
    assert rows[0] == (
        "Code",
        "Indicateur",
        "Unité",
        "Agrégation",
        "Année",
        "Valeur",
        "Coopératives",
    )
    by_code = {row[0]: row for row in rows[1:]}
    # 25 + … + 36, the latest 2025 value of each of the 12 cooperatives; 2024 is left out.
    assert by_code["menages"][4:] == (2025, 366, 12)
    assert set(by_code) == {"menages", "energie"}
    assert "Le réseau en chiffres en 2025" in words
    assert "366 ménages" in words
