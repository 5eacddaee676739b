"""Backups land in the file store, complete or not at all, and the drill restores them.

Each test runs on the local disk and on the S3 test server (``file_store``),
on whichever database the suite runs on: SQLite, or PostgreSQL in CI, where
pg_dump and pg_restore do the work.
"""

import io
import json
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from coops.models import Cooperative
from qualicoop import backups


def backup() -> backups.Manifest:
    call_command("backup", stdout=io.StringIO())
    return backups.complete_backups()[0]


def drill() -> str:
    out = io.StringIO()
    call_command("restore_drill", stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_backup_is_restored_by_the_drill(file_store, seed):
    manifest = backup()

    assert manifest.row_counts[Cooperative._meta.db_table] == Cooperative.objects.count() == 8
    assert manifest.cooperative == {
        "slug": (first := Cooperative.objects.order_by("slug").first()).slug,
        "name": first.name,
    }
    assert default_storage.exists(backups.dump_name(manifest))
    assert default_storage.size(backups.dump_name(manifest)) == manifest.size
    assert manifest.engine in ("sqlite", "postgresql")
    report = drill()
    assert "✔ Lignes identiques au manifeste" in report
    assert "✔ Page d'accueil et fiche de coopérative affichées." in report
    assert report.strip().endswith("✔ Exercice de restauration réussi ; base temporaire supprimée.")


@pytest.mark.django_db(transaction=True)
def test_a_backup_that_dies_before_its_manifest_is_never_the_latest(file_store, seed, monkeypatch):
    complete = backup()

    def killed(manifest):
        raise SystemExit("processus tué")

    monkeypatch.setattr(backups, "write_manifest", killed)
    with pytest.raises(SystemExit):
        call_command("backup", stdout=io.StringIO())

    _folders, _files = default_storage.listdir(backups.FOLDER)
    assert len(_folders) == 2
    assert backups.complete_backups() == [complete]
    assert backups.latest_backup() == complete


@pytest.mark.django_db(transaction=True)
def test_a_dump_changed_since_its_manifest_is_passed_over(file_store, reference):
    # Without the retention of `manage.py backup`, which keeps one backup a day.
    older = backups.create_backup()
    newer = backups.create_backup()
    default_storage.delete(backups.dump_name(newer))
    default_storage.save(backups.dump_name(newer), ContentFile(b"abime"))

    assert backups.latest_backup() == older
    assert f"Sauvegarde {older.folder}" in drill()


@pytest.mark.django_db(transaction=True)
def test_the_drill_fails_when_the_rows_do_not_match(file_store, seed):
    manifest = backup()
    table = Cooperative._meta.db_table
    wrong = replace(manifest, row_counts={**manifest.row_counts, table: 9})
    default_storage.delete(f"{manifest.folder}/{backups.MANIFEST}")
    backups.write_manifest(wrong)

    out = io.StringIO()
    with pytest.raises(CommandError, match="Exercice de restauration en échec"):
        call_command("restore_drill", stdout=out)
    assert f"✘ {table} : 8 lignes au lieu de 9" in out.getvalue()


@pytest.mark.django_db
def test_the_drill_fails_without_a_backup(file_store):
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("restore_drill", stdout=out)
    assert "Aucune sauvegarde complète" in out.getvalue()


def _fake_backup(created: datetime, *, complete: bool = True) -> str:
    folder = f"{backups.FOLDER}/{created:%Y%m%d-%H%M%S}-abcdef"
    default_storage.save(f"{folder}/base.sqlite3.gz", ContentFile(b"x"))
    if complete:
        manifest = backups.Manifest(
            folder=folder,
            dump="base.sqlite3.gz",
            app_version="0",
            created_at=created.isoformat(),
            engine="sqlite",
            sha256="",
            size=1,
            row_counts={},
            cooperative=None,
        )
        default_storage.save(
            f"{folder}/{backups.MANIFEST}", ContentFile(json.dumps(asdict(manifest)).encode())
        )
    return folder


def test_retention_keeps_the_newest_of_each_recent_day_and_month(settings, tmp_path):
    settings.BACKUP_KEEP_DAILY = 3
    settings.BACKUP_KEEP_MONTHLY = 2
    now = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)
    made = {
        "today": _fake_backup(now - timedelta(hours=1)),
        "today-earlier": _fake_backup(now - timedelta(hours=3)),
        "yesterday": _fake_backup(now - timedelta(days=1)),
        "two-days": _fake_backup(now - timedelta(days=2)),
        "three-days": _fake_backup(now - timedelta(days=3)),
        "last-month": _fake_backup(datetime(2026, 5, 20, 12, 0, tzinfo=UTC)),
        "two-months": _fake_backup(datetime(2026, 4, 20, 12, 0, tzinfo=UTC)),
        "dead-old": _fake_backup(now - timedelta(days=2, hours=5), complete=False),
        "dead-young": _fake_backup(now - timedelta(hours=2), complete=False),
    }

    deleted = backups.apply_retention(now=now)

    assert sorted(deleted) == sorted(
        made[name] for name in ("today-earlier", "three-days", "two-months", "dead-old")
    )
    folders, _files = default_storage.listdir(backups.FOLDER)
    assert {f"{backups.FOLDER}/{folder}" for folder in folders} == {
        made[name] for name in ("today", "yesterday", "two-days", "last-month", "dead-young")
    }
