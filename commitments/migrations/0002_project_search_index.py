"""Full-text search of the published projects on PostgreSQL.

Creates the ``unaccent`` extension (trusted since PostgreSQL 13: the database
owner may create it), ``qualicoop_unaccent``, an IMMUTABLE wrapper around it
(``unaccent`` itself is only STABLE, as its dictionary could change, so it
cannot appear in an index), and a GIN index on the search document that
``qualicoop.public.search.Document`` queries. The expression below must stay
identical to that one, or the planner will not use the index.

SQLite has no such engine: there, this migration does nothing and the search
falls back on a Python function (see ``qualicoop.public.search``).
"""

from django.db import migrations

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
    # Schema-qualified so that the function works whatever the search_path,
    # as it must when an index is rebuilt by a restore.
    """
    CREATE OR REPLACE FUNCTION qualicoop_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
    """,
    """
    CREATE INDEX IF NOT EXISTS commitments_project_search
    ON commitments_project USING gin (
        to_tsvector('french'::regconfig,
                    qualicoop_unaccent(title || ' ' || description || ' ' || objectives))
    )
    """,
]

# The extension stays: other code of the database may rely on it.
BACKWARD = [
    "DROP INDEX IF EXISTS commitments_project_search",
    "DROP FUNCTION IF EXISTS qualicoop_unaccent(text)",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for statement in statements:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("commitments", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(_run(FORWARD), _run(BACKWARD)),
    ]
