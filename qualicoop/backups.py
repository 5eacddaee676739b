"""Backups of the database into the file store, that a drill proves restorable.

A backup is a folder ``backups/<stamp>/`` of the file store (the disk, or object
storage away from the database's machine) holding the dump and its manifest:

* on PostgreSQL, ``pg_dump --format=custom`` (compressed, restored by pg_restore);
* on SQLite, a copy by SQLite's online backup API (consistent while the portal
  writes), gzipped.

The manifest (the app version, the time, the engine, the dump's sha256 and
size, the rows of each table and a cooperative to look for) is written last:
a run that dies before it leaves a folder without one, which is never taken
for a backup. The latest backup is the newest whose manifest reads and whose
dump still has the manifest's checksum. Row counts come from the same snapshot
as the dump, so that a drill can compare them exactly.
"""

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from .lib.version import app_version

FOLDER = "backups"
MANIFEST = "manifest.json"
DUMP_NAMES = {"postgresql": "base.pgdump", "sqlite": "base.sqlite3.gz"}
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Manifest:
    folder: str
    dump: str
    app_version: str
    created_at: str
    engine: str
    sha256: str
    size: int
    row_counts: dict[str, int]
    cooperative: dict[str, str] | None

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


class BackupError(Exception):
    """A backup could not be made or read; the message is for a person, in French."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as dump:
        for chunk in iter(lambda: dump.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _tables(cursor) -> list[str]:
    """The tables of the portal's models in the database ``cursor`` reads."""
    existing = set(connection.introspection.table_names(cursor))
    return sorted(set(connection.introspection.django_table_names()) & existing)


def _count_rows(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        counts[table] = cursor.fetchone()[0]
    return counts


def _a_cooperative(cursor) -> dict[str, str] | None:
    """A cooperative whose public profile the drill looks for, read in the dumped state."""
    from coops.models import Cooperative

    table = connection.ops.quote_name(Cooperative._meta.db_table)
    cursor.execute(f"SELECT slug, name FROM {table} ORDER BY slug LIMIT 1")  # noqa: S608
    row = cursor.fetchone()
    return {"slug": row[0], "name": row[1]} if row else None


def postgres_tool(name: str) -> str:
    """The full path of pg_dump or pg_restore, which must match the server's major version."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(
            f"{name} introuvable : installez le client PostgreSQL (postgresql-client)."
        )
    return path


def postgres_arguments(database: dict) -> tuple[list[str], dict[str, str]]:
    """The connection options of pg_dump, pg_restore and psql, and their environment."""
    arguments = []
    for option, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if database.get(key):
            arguments.append(f"{option}={database[key]}")
    env = {**os.environ}
    if database.get("PASSWORD"):
        env["PGPASSWORD"] = database["PASSWORD"]
    return arguments, env


def _dump_postgresql(target: Path) -> tuple[dict[str, int], dict[str, str] | None]:
    # One snapshot for the dump and the counts: a repeatable-read transaction on
    # a connection of its own exports it, pg_dump reads through it.
    database = connection.settings_dict
    own = connection.get_new_connection(connection.get_connection_params())
    try:
        own.autocommit = False
        with own.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            arguments, env = postgres_arguments(database)
            completed = subprocess.run(  # noqa: S603 - fixed program, options from settings
                [
                    postgres_tool("pg_dump"),
                    *arguments,
                    "--format=custom",
                    "--no-owner",
                    "--no-privileges",
                    f"--snapshot={snapshot}",
                    f"--file={target}",
                    database["NAME"],
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                raise BackupError(f"pg_dump a échoué : {completed.stderr.strip()}")
            counts = _count_rows(cursor, _tables(cursor))
            cooperative = _a_cooperative(cursor)
        own.rollback()
    finally:
        own.close()
    return counts, cooperative


def _dump_sqlite(target: Path) -> tuple[dict[str, int], dict[str, str] | None]:
    copy = target.with_suffix("")
    connection.ensure_connection()
    destination = sqlite3.connect(copy)
    try:
        connection.connection.backup(destination)
        # Counted in the copy: the very state that was saved.
        cursor = destination.cursor()
        counts = _count_rows(cursor, _tables(cursor))
        cooperative = _a_cooperative(cursor)
    finally:
        destination.close()
    with copy.open("rb") as raw, gzip.open(target, "wb") as packed:
        shutil.copyfileobj(raw, packed, CHUNK)
    copy.unlink()
    return counts, cooperative


def create_backup() -> Manifest:
    """Dump the database into a new folder of the file store; its manifest last."""
    engine = connection.vendor
    if engine not in DUMP_NAMES:
        raise BackupError(f"Moteur de base non pris en charge : {engine}")
    created = timezone.now()
    # The time in UTC, then a random part: two runs of the same second never share a folder.
    folder = f"{FOLDER}/{created.astimezone(UTC):%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
    with tempfile.TemporaryDirectory(prefix="sauvegarde-") as scratch:
        target = Path(scratch) / DUMP_NAMES[engine]
        dump = _dump_postgresql if engine == "postgresql" else _dump_sqlite
        counts, cooperative = dump(target)
        with target.open("rb") as content:
            stored = default_storage.save(f"{folder}/{target.name}", File(content))
        manifest = Manifest(
            folder=folder,
            dump=PurePosixPath(stored).name,
            app_version=app_version(),
            created_at=created.isoformat(),
            engine=engine,
            sha256=_sha256(target),
            size=target.stat().st_size,
            row_counts=counts,
            cooperative=cooperative,
        )
    write_manifest(manifest)
    return manifest


def write_manifest(manifest: Manifest) -> None:
    body = json.dumps(asdict(manifest), ensure_ascii=False, indent=1).encode()
    default_storage.save(f"{manifest.folder}/{MANIFEST}", ContentFile(body))


def _folders() -> list[str]:
    try:
        folders, _files = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        # No backup yet on the disk (object storage lists nothing instead).
        return []
    return sorted(folders, reverse=True)


def read_manifest(folder: str) -> Manifest | None:
    """The folder's manifest, or None for a backup never completed (or unreadable)."""
    name = f"{FOLDER}/{folder}/{MANIFEST}"
    if not default_storage.exists(name):
        return None
    try:
        with default_storage.open(name, "rb") as stored:
            fields = json.loads(stored.read())
        manifest = Manifest(**fields)
    except (ValueError, TypeError):
        return None
    return manifest if manifest.folder == f"{FOLDER}/{folder}" else None


def complete_backups() -> list[Manifest]:
    """Every backup with a manifest, the newest first (checksums not read)."""
    found = [manifest for folder in _folders() if (manifest := read_manifest(folder))]
    return sorted(found, key=lambda manifest: manifest.created, reverse=True)


def dump_name(manifest: Manifest) -> str:
    return f"{manifest.folder}/{manifest.dump}"


@contextmanager
def fetched_dump(manifest: Manifest) -> Iterator[Path | None]:
    """The dump copied to a temporary file, or None when it no longer has its checksum."""
    with tempfile.TemporaryDirectory(prefix="restauration-") as scratch:
        local = Path(scratch) / manifest.dump
        try:
            with (
                default_storage.open(dump_name(manifest), "rb") as stored,
                local.open("wb") as copy,
            ):
                shutil.copyfileobj(stored, copy, CHUNK)
        except OSError:
            yield None
            return
        intact = local.stat().st_size == manifest.size and _sha256(local) == manifest.sha256
        yield local if intact else None


def latest_backup() -> Manifest | None:
    """The newest backup whose dump still matches its manifest."""
    for manifest in complete_backups():
        with fetched_dump(manifest) as local:
            if local is not None:
                return manifest
    return None


def _delete_folder(folder: str) -> None:
    _subfolders, files = default_storage.listdir(f"{FOLDER}/{folder}")
    # The manifest first: a folder half deleted is an incomplete backup, never a broken one.
    for name in sorted(files, key=lambda name: name != MANIFEST):
        default_storage.delete(f"{FOLDER}/{folder}/{name}")
    try:
        local = default_storage.path(f"{FOLDER}/{folder}")
    except NotImplementedError:
        return  # object storage has no folders: the files gone, the folder is gone
    Path(local).rmdir()


def apply_retention(*, now: datetime | None = None) -> list[str]:
    """Delete what the policy no longer keeps; return the folders deleted.

    Kept: the newest backup of each of the last BACKUP_KEEP_DAILY days that have
    one, and of each of the last BACKUP_KEEP_MONTHLY months; folders left
    without a manifest by a run that died, once a day old (a younger one may be
    a run in progress).
    """
    now = now or timezone.now()
    complete = complete_backups()
    keep: set[str] = set()
    days: list[str] = []
    months: list[str] = []
    for manifest in complete:
        local = timezone.localtime(manifest.created)
        day, month = local.strftime("%Y-%m-%d"), local.strftime("%Y-%m")
        if day not in days and len(days) < settings.BACKUP_KEEP_DAILY:
            days.append(day)
            keep.add(manifest.folder)
        if month not in months and len(months) < settings.BACKUP_KEEP_MONTHLY:
            months.append(month)
            keep.add(manifest.folder)
    deleted = []
    complete_folders = {manifest.folder for manifest in complete}
    for folder in _folders():
        path = f"{FOLDER}/{folder}"
        if path in keep:
            continue
        if path not in complete_folders:
            started = _started_at(folder)
            if started is None or (now - started).total_seconds() < 24 * 3600:
                continue
        _delete_folder(folder)
        deleted.append(path)
    return deleted


def _started_at(folder: str) -> datetime | None:
    try:
        naive = datetime.strptime(folder[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return None
    return naive.replace(tzinfo=UTC)
