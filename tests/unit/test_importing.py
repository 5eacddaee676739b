"""Bringing cooperatives in from a spreadsheet: the file checked, the dry run, the import."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone
from openpyxl import Workbook

from coops import importing, invitations
from coops.importing import ImportFileError, Outcome
from coops.models import Cooperative, Invitation
from qualicoop.lib import spreadsheets
from tests.security.support import database_snapshot

pytestmark = pytest.mark.django_db

TWO_LINES = (
    "nom;region;site_web;presentation;email_referent\n"
    "Coopérative Gamma;Normandie;www.gamma.coop;Une coopérative du Calvados.;"
    "gilles@gamma.coop\n"
    "Coopérative Delta;Occitanie;;;delphine@delta.coop, denis@delta.coop\n"
)


def _rows(text, name="cooperatives.csv", encoding="utf-8"):
    data = text.encode(encoding) if isinstance(text, str) else text
    return importing.read_table(name, io.BytesIO(data), len(data))


def _xlsx(rows, merge=None):
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def admin(db):
    return User.objects.create_superuser("sophie", "sophie@example.org", "x", first_name="Sophie")


def _apply(rows, admin, capture):
    with capture(execute=True):
        return importing.apply(
            rows, expected=importing.plan(rows).fingerprint(), by=admin, source="f.csv"
        )


# --- Reading -----------------------------------------------------------------------------


@pytest.mark.parametrize("bom", ["", "\ufeff"])
@pytest.mark.parametrize("separator", [";", ","])
def test_it_reads_csv_with_either_separator_with_or_without_bom(bom, separator):
    text = bom + TWO_LINES.replace(";", "\t").replace(",", " ").replace("\t", separator)

    rows = _rows(text)

    assert [row.cells["nom"] for row in rows] == ["Coopérative Gamma", "Coopérative Delta"]
    assert rows[1].cells["email_referent"] == "delphine@delta.coop  denis@delta.coop"
    assert [row.line for row in rows] == [2, 3]


def test_it_reads_xlsx_and_headings_as_people_write_them():
    data = _xlsx([["Nom", "Région", "Site web", "E-mail référent"], ["Gamma", 14, None, "g@g.fr"]])

    (row,) = _rows(data, "Coopératives.XLSX")

    assert row.cells == {"nom": "Gamma", "region": "14", "site_web": "", "email_referent": "g@g.fr"}


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("c.csv", b"x" * (2 * 1024 * 1024 + 1), "dépasse 2 Mo"),
        ("c.xlsm", b"nom\nA\n", "macros"),
        ("c.ods", b"nom\nA\n", "Envoyez un fichier .csv ou .xlsx"),
        ("c.csv", "nom;région\nCoopérative é\n".encode("latin-1"), "pas en UTF-8"),
        ("c.csv", b"nom;ville\nA;Caen\n", "Colonnes inconnues : ville"),
        ("c.csv", b"region;site_web\nBretagne;\n", "La colonne « nom » manque"),
        ("c.csv", b"nom;Nom\nA;B\n", "deux fois : nom"),
        ("c.csv", b"nom;region\n", "aucune coopérative"),
        ("c.csv", b"", "La première ligne"),
        ("c.xlsx", b"pas un classeur", "illisible"),
        ("c.csv", b"nom\nA\x00B\n", "caractères nuls"),
    ],
)
def test_it_refuses_a_file_it_cannot_trust_as_a_whole(name, data, message):
    with pytest.raises(ImportFileError, match=message):
        _rows(data, name)


def test_it_refuses_merged_cells():
    data = _xlsx([["nom", "region"], ["Gamma", "Normandie"], ["Delta", ""]], merge="B2:B3")

    with pytest.raises(ImportFileError, match="fusionnées \\(B2:B3\\)"):
        _rows(data, "c.xlsx")


def test_it_refuses_macros_hidden_in_an_xlsx():
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/vbaProject.bin", b"\x00")

    with pytest.raises(ImportFileError, match="macros"):
        _rows(data.getvalue(), "c.xlsx")


# --- The dry run ---------------------------------------------------------------------------


def test_the_dry_run_says_what_would_happen_and_changes_nothing(coop_a, staff_a):
    text = TWO_LINES + "Coopérative Alpha;Bretagne;;;alice@example.org\n"
    before = database_snapshot()

    plan = importing.plan(_rows(text))

    assert database_snapshot() == before
    assert [line.outcome for line in plan.lines] == [
        Outcome.CREATED,
        Outcome.CREATED,
        Outcome.UNCHANGED,
    ]
    assert plan.summary == {
        "created": 2,
        "updated": 0,
        "unchanged": 1,
        "refused": 0,
        "invitations": 3,
    }
    assert plan.lines[0].values["website"] == "https://www.gamma.coop"
    assert [r.email for r in plan.lines[1].referents] == ["delphine@delta.coop", "denis@delta.coop"]
    assert plan.lines[2].referents[0].note == "déjà membre de l'équipe"


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (";Bretagne;;;a@b.fr", "nom manquant."),
        ("Gamma;;;;pas-une-adresse", "adresse e-mail invalide : « pas-une-adresse »."),
        ("Gamma;;http://exa mple;;", "site web invalide"),
        ("G" * 201 + ";;;;", "nom : 201 caractères, pour 200 au plus."),
        ("Gamma;;;" + "p" * 2001 + ";", "présentation : 2001 caractères, pour 2000 au plus."),
        ("!!!;;;;", "le nom ne donne aucun identifiant d'URL"),
    ],
)
def test_it_refuses_a_line_and_says_why(line, reason):
    (result,) = importing.plan(
        _rows("nom;region;site_web;presentation;email_referent\n" + line)
    ).lines

    assert result.outcome == Outcome.REFUSED
    assert any(reason in text for text in result.reasons), result.reasons
    assert result.referents == []


def test_it_refuses_a_line_repeating_an_earlier_one():
    text = "nom;email_referent\nGamma;g@g.fr\nGAMMA;h@g.fr\n"

    lines = importing.plan(_rows(text)).lines

    assert lines[0].outcome == Outcome.CREATED
    assert lines[1].outcome == Outcome.REFUSED
    assert lines[1].reasons == ["doublon de la ligne 2 (même coopérative)."]


def test_it_refuses_an_invalid_slug_and_cells_outside_the_columns():
    lines = importing.plan(_rows("nom;slug\nGamma;pas un slug\nDelta;;en trop\n")).lines

    assert "slug invalide" in lines[0].reasons[0]
    assert lines[1].reasons == ["des cellules sont remplies hors des colonnes prévues."]


def test_it_refuses_a_name_another_cooperative_holds(coop_a):
    (line,) = importing.plan(_rows("nom;slug\nCoopérative Alpha;autre-slug\n")).lines

    assert line.outcome == Outcome.REFUSED
    assert "déjà celui de la coopérative « cooperative-alpha »" in line.reasons[0]


def test_it_finds_a_cooperative_by_slug_and_renames_it(coop_a):
    (line,) = importing.plan(_rows("nom;slug\nAlpha Habitat;cooperative-alpha\n")).lines

    assert (line.outcome, line.changes) == (Outcome.UPDATED, ["name"])
    assert line.change_labels == ["nom"]


def test_an_empty_cell_erases_nothing(coop_a):
    coop_a.website = "https://alpha.coop"
    coop_a.save()

    (line,) = importing.plan(_rows("nom;site_web;region\nCoopérative Alpha;;Normandie\n")).lines

    assert line.changes == ["region"]


# --- The import ------------------------------------------------------------------------------


def test_it_creates_the_cooperatives_and_invites_their_referents(
    admin, django_capture_on_commit_callbacks
):
    plan = _apply(_rows(TWO_LINES), admin, django_capture_on_commit_callbacks)

    gamma = Cooperative.objects.get(slug="cooperative-gamma")
    assert (gamma.region, gamma.website) == ("Normandie", "https://www.gamma.coop")
    assert plan.summary["created"] == 2
    assert sorted(message.to[0] for message in mail.outbox) == [
        "delphine@delta.coop",
        "denis@delta.coop",
        "gilles@gamma.coop",
    ]
    assert "Sophie, de la Fédération des coopératives Hlm, vous invite" in mail.outbox[0].body
    invitation = Invitation.objects.get(email="gilles@gamma.coop")
    assert (invitation.role, invitation.invited_by) == ("referent", admin)
    assert (
        "Import du fichier « f.csv », ligne 2."
        in LogEntry.objects.get(object_id=gamma.pk).change_message
    )


def test_importing_the_same_file_again_changes_nothing_and_sends_nothing(
    admin, django_capture_on_commit_callbacks
):
    rows = _rows(TWO_LINES)
    _apply(rows, admin, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    before = database_snapshot()

    plan = _apply(rows, admin, django_capture_on_commit_callbacks)

    assert database_snapshot() == before
    assert mail.outbox == []
    assert {line.outcome for line in plan.lines} == {Outcome.UNCHANGED}
    assert not plan.changes_anything


def test_an_accepted_invitation_is_not_sent_again(admin, django_capture_on_commit_callbacks):
    rows = _rows(TWO_LINES)
    _apply(rows, admin, django_capture_on_commit_callbacks)
    gilles = User.objects.create_user("gilles", "gilles@gamma.coop", "x")
    invitations.accept(invitation=Invitation.objects.get(email=gilles.email), user=gilles)
    gilles.memberships.all().delete()  # left the team since: the federation does not overrule

    plan = importing.plan(rows)

    assert plan.lines[0].referents[0].note == "invitation déjà acceptée"
    assert plan.summary["invitations"] == 0


def test_an_expired_invitation_is_sent_again_and_a_revoked_one_is_not(
    admin, django_capture_on_commit_callbacks
):
    rows = _rows(TWO_LINES)
    _apply(rows, admin, django_capture_on_commit_callbacks)
    Invitation.objects.filter(email="gilles@gamma.coop").update(
        expires_at=timezone.now() - timedelta(days=1)
    )
    invitations.revoke(invitation=Invitation.objects.get(email="denis@delta.coop"), by=admin)
    mail.outbox.clear()

    plan = _apply(rows, admin, django_capture_on_commit_callbacks)

    assert [message.to for message in mail.outbox] == [["gilles@gamma.coop"]]
    assert plan.lines[1].referents[1].note == "invitation révoquée : non renvoyée"
    assert Invitation.objects.get(email="gilles@gamma.coop").state() == "pending"


def test_it_writes_nothing_when_the_database_moved_since_the_dry_run(admin):
    rows = _rows(TWO_LINES)
    expected = importing.plan(rows).fingerprint()
    Cooperative.objects.create(name="Coopérative Gamma", slug="cooperative-gamma")
    before = database_snapshot()

    with pytest.raises(importing.PlanChanged) as changed:
        importing.apply(rows, expected=expected, by=admin, source="f.csv")

    assert database_snapshot() == before
    assert changed.value.plan.lines[0].outcome == Outcome.UPDATED


def test_refused_lines_are_left_out_and_the_others_imported(
    admin, django_capture_on_commit_callbacks
):
    rows = _rows(TWO_LINES + ";;;;x@y.fr\n")

    plan = _apply(rows, admin, django_capture_on_commit_callbacks)

    assert plan.summary["refused"] == 1
    assert Cooperative.objects.count() == 2


def test_a_workbook_that_swells_is_refused_before_it_is_parsed(monkeypatch):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"<worksheet><!--" + b"x" * (40 * 1024 * 1024) + b"-->"
        )

    def never(*args, **kwargs):
        raise AssertionError("the workbook was parsed")

    monkeypatch.setattr(spreadsheets, "load_workbook", never)

    with pytest.raises(ImportFileError, match="trop volumineux une fois décompressé"):
        _rows(data.getvalue(), "c.xlsx")


def test_a_workbook_of_too_many_rows_is_refused_without_being_read_to_the_end(monkeypatch):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["nom", "region"])
    for number in range(5 * importing.MAX_ROWS):
        sheet.append([f"Coopérative {number}", "Bretagne"])
    out = io.BytesIO()
    workbook.save(out)
    read = []
    streamed = spreadsheets.sheet_rows

    def counted(*args, **kwargs):
        for row in streamed(*args, **kwargs):
            read.append(row)
            yield row

    monkeypatch.setattr(spreadsheets, "sheet_rows", counted)

    with pytest.raises(ImportFileError, match="plus de 1000 coopératives"):
        _rows(out.getvalue(), "c.xlsx")
    assert len(read) == importing.MAX_ROWS + 2
