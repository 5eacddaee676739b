"""The French CSV opened by a French spreadsheet: numbers, booleans and dates, not text.

LibreOffice, headless, opens each French CSV as a double click in fr-FR would
(``;``, ``"``, UTF-8, French locale) and saves it as XLSX; openpyxl then reads
each cell's type back. It starts a process of its own for a few seconds: with
the serial part of the suite (``integration``).
"""

import datetime
import os
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from commitments.models import ProgressUpdate
from qualicoop.public import opendata
from tests.opendata_world import download, publish_every_kind_of_value

OFFICE = shutil.which("soffice") or shutil.which("libreoffice")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.integration,
    # CI installs LibreOffice (.ci/run): there, its absence is a failure, not a skip.
    pytest.mark.skipif(
        OFFICE is None and not os.environ.get("CI"),
        reason="LibreOffice (soffice) n'est pas installé : apt-get install libreoffice-calc-nogui",
    ),
]

# The CSV import's options: separator ";" (59), quote '"' (34), UTF-8 (76), from
# line 1, default column formats, the fr-FR locale (1036).
FRENCH_CSV = "CSV:59,34,76,1,,1036"


@pytest.fixture
def world(reference, reviewer):
    return publish_every_kind_of_value(reviewer)


def opened_in_french(dataset, folder):
    """The rows of ``dataset``'s French CSV as LibreOffice in French reads them: header -> cell."""
    assert OFFICE is not None, "LibreOffice (soffice) is required in CI"
    source = download(reverse("discovery:opendata_dataset_csv", args=[dataset.slug]), folder)
    subprocess.run(  # noqa: S603 - a fixed program and arguments
        [
            OFFICE,
            # A profile of its own: no clash with another LibreOffice running.
            f"-env:UserInstallation=file://{folder / 'profil'}",
            "--headless",
            f"--infilter={FRENCH_CSV}",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    sheet = openpyxl.load_workbook(source.with_suffix(".xlsx")).active
    header, *rows = sheet.iter_rows()
    names = [cell.value for cell in header]
    assert names == list(dataset.field_names)
    assert rows
    return [dict(zip(names, row, strict=True)) for row in rows]


def test_decimals_booleans_and_dates_arrive_typed(world, tmp_path):
    indicator = opened_in_french(opendata.INDICATORS, tmp_path)[0]
    project = opened_in_french(opendata.PROJECTS, tmp_path)[0]
    measurements = opened_in_french(opendata.MEASUREMENTS, tmp_path)
    update = opened_in_french(opendata.UPDATES, tmp_path)[0]

    # Numbers with a decimal comma, a negative one included (no formula guard).
    assert (indicator["valeur_depart"].data_type, indicator["valeur_depart"].value) == ("n", -3.25)
    assert (indicator["cible"].data_type, indicator["cible"].value) == ("n", 120.5)
    assert {(m["valeur"].data_type, Decimal(str(m["valeur"].value))) for m in measurements} == {
        ("n", Decimal("30.75")),
        ("n", Decimal("45.5")),
    }
    assert (project["id"].data_type, project["id"].value) == ("n", world.public_id)
    # Booleans, written VRAI and FAUX.
    assert (project["exemplaire"].data_type, project["exemplaire"].value) == ("b", True)
    assert (indicator["atteint"].data_type, indicator["atteint"].value) == ("b", False)
    # Dates, and a time of publication at Paris's time.
    assert indicator["date_depart"].is_date
    assert indicator["date_depart"].value == datetime.datetime(2025, 1, 1)
    published_at = ProgressUpdate.objects.get().published_at
    assert update["publie_le"].is_date
    assert update["publie_le"].value == timezone.localtime(published_at).replace(
        tzinfo=None, microsecond=0
    )
