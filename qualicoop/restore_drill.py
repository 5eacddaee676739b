"""The restore drill: the latest backup, restored into a scratch database, must hold up.

PostgreSQL: a temporary database is created beside the portal's, the dump
pg_restored into it, then the database dropped. SQLite: the copy is unpacked
into a temporary file. Against that scratch database the drill compares every
table's rows with the manifest, and renders the home page and the profile of
the cooperative the manifest names, through the portal's own views (every
query routed to the scratch database). Each step reports in French.
"""

import gzip
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connection, connections
from django.db.utils import load_backend
from django.test import Client, override_settings
from django.urls import reverse

from . import backups

ALIAS = "restore_drill"


class ScratchRouter:
    """Every query of the drill's page renders goes to the scratch database."""

    def db_for_read(self, model, **hints):
        return ALIAS

    def db_for_write(self, model, **hints):
        return ALIAS

    def allow_relation(self, first, second, **hints):
        return True


@contextmanager
def _scratch_database(manifest: backups.Manifest, dump: Path) -> Iterator[None]:
    """The dump restored under the ALIAS connection, removed afterwards."""
    settings_dict = {**connection.settings_dict}
    if manifest.engine == "postgresql":
        name = f"{settings_dict['NAME']}_exercice_{uuid.uuid4().hex[:8]}"
        _postgres_admin(f'CREATE DATABASE "{name}"')
        try:
            arguments, env = backups.postgres_arguments(settings_dict)
            completed = subprocess.run(  # noqa: S603 - fixed program, options from settings
                [
                    backups.postgres_tool("pg_restore"),
                    *arguments,
                    "--no-owner",
                    "--no-privileges",
                    "--exit-on-error",
                    f"--dbname={name}",
                    str(dump),
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            if completed.returncode != 0:
                raise backups.BackupError(f"pg_restore a échoué : {completed.stderr.strip()}")
            with _connection_named({**settings_dict, "NAME": name}):
                yield
        finally:
            _postgres_admin(f'DROP DATABASE IF EXISTS "{name}"')
        return
    with tempfile.TemporaryDirectory(prefix="exercice-") as scratch:
        restored = Path(scratch) / "base.sqlite3"
        with gzip.open(dump, "rb") as packed, restored.open("wb") as raw:
            shutil.copyfileobj(packed, raw, backups.CHUNK)
        with _connection_named({**settings_dict, "NAME": str(restored)}):
            yield


def _postgres_admin(statement: str) -> None:
    # CREATE and DROP DATABASE cannot run in a transaction: a connection of their own.
    own = connection.get_new_connection(connection.get_connection_params())
    try:
        own.autocommit = True
        with own.cursor() as cursor:
            cursor.execute(statement)
    finally:
        own.close()


@contextmanager
def _connection_named(settings_dict: dict) -> Iterator[None]:
    # A connection of the drill alone, beside the configured ones, never in DATABASES.
    # Django's handler keeps its connections, per thread, in this attribute.
    opened = connections._connections  # type: ignore[attr-defined]
    wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, ALIAS)
    setattr(opened, ALIAS, wrapper)
    try:
        yield
    finally:
        wrapper.close()
        delattr(opened, ALIAS)


def _check_rows(manifest: backups.Manifest) -> list[str]:
    problems = []
    scratch = connections[ALIAS]
    with scratch.cursor() as cursor:
        for table, expected in sorted(manifest.row_counts.items()):
            cursor.execute(f"SELECT COUNT(*) FROM {scratch.ops.quote_name(table)}")  # noqa: S608
            found = cursor.fetchone()[0]
            if found != expected:
                problems.append(f"{table} : {found} lignes au lieu de {expected}")
    return problems


def _check_pages(manifest: backups.Manifest) -> list[str]:
    pages: list[tuple[str, str, str | None]] = [("la page d'accueil", reverse("public:home"), None)]
    if manifest.cooperative:
        slug, name = manifest.cooperative["slug"], manifest.cooperative["name"]
        pages.append((f"la fiche de « {name} »", reverse("public:cooperative", args=[slug]), name))
    problems = []
    # The live site's page cache must not answer for the scratch database.
    with override_settings(
        DATABASE_ROUTERS=[ScratchRouter()],
        PUBLIC_PAGE_CACHE=False,
        ALLOWED_HOSTS=["testserver"],
        SECURE_SSL_REDIRECT=False,
    ):
        client = Client()
        for label, url, expected in pages:
            try:
                response = client.get(url)
            except Exception as error:  # noqa: BLE001 - reported, the drill goes on
                problems.append(
                    f"{label} n'a pas pu être affichée : {type(error).__name__}: {error}"
                )
                continue
            if response.status_code != 200:
                problems.append(f"{label} répond {response.status_code}")
            elif expected and expected not in response.content.decode():
                problems.append(f"{label} ne porte pas le nom de la coopérative")
    return problems


def run(say: Callable[[str], None]) -> bool:
    """Restore the latest backup into a scratch database and check it; True if it holds up."""
    manifest = backups.latest_backup()
    if manifest is None:
        say("✘ Aucune sauvegarde complète et intacte dans le stockage.")
        return False
    say(
        f"Sauvegarde {manifest.folder} du {manifest.created_at} "
        f"(version {manifest.app_version}, {manifest.engine}, {manifest.size} octets)"
    )
    with backups.fetched_dump(manifest) as dump:
        if dump is None:
            say("✘ La sauvegarde a changé depuis sa vérification.")
            return False
        say("✔ Empreinte sha256 conforme au manifeste.")
        with _scratch_database(manifest, dump):
            say("✔ Restaurée dans une base temporaire.")
            rows = _check_rows(manifest)
            _report(
                say, rows, f"✔ Lignes identiques au manifeste ({len(manifest.row_counts)} tables)."
            )
            pages = _check_pages(manifest)
            _report(say, pages, "✔ Page d'accueil et fiche de coopérative affichées.")
    if rows or pages:
        say("✘ Exercice de restauration en échec.")
        return False
    say("✔ Exercice de restauration réussi ; base temporaire supprimée.")
    return True


def _report(say: Callable[[str], None], problems: list[str], success: str) -> None:
    if not problems:
        say(success)
    for problem in problems:
        say(f"✘ {problem}")
