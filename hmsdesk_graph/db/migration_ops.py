"""Helpers called by committed migrations. Keep their behaviour stable: old migrations use them."""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger("hmsdesk_graph.migrations")


def apply_check_constraints(*model_names: str) -> Any:
    """A RunPython step that creates the CHECK constraints declared in the models' Meta.

    Tortoise's CreateModel records Meta.constraints in the migration state but does not emit
    CHECK clauses, so the initial migration adds them explicitly.
    """

    async def forward(apps: Any, schema_editor: Any) -> None:
        from tortoise.indexes import Index
        from tortoise.migrations.constraints import CheckConstraint, UniqueConstraint

        for name in model_names:
            model = apps.get_model(f"hmsdesk.{name}")
            checks = [
                c for c in getattr(model._meta, "constraints", ()) if isinstance(c, CheckConstraint)
            ]
            for constraint in checks:
                await schema_editor.add_constraint(model, constraint)
            if checks and schema_editor.DIALECT == "sqlite":
                # SQLite adds a CHECK by rebuilding the table, which drops its indexes.
                for index in model._meta.indexes:
                    if not isinstance(index, Index):
                        index = Index(fields=tuple(index))
                    await schema_editor.add_index(model, index)
                for fields in model._meta.unique_together:
                    await schema_editor.add_constraint(
                        model, UniqueConstraint(fields=tuple(fields))
                    )

    return forward


_SEARCH_TABLES = ("practitioner", "hospital", "diagnostic_center")


async def _postgres_text_search(schema_editor: Any) -> None:
    client = schema_editor.client
    rows = await client.execute_query_dict(
        "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,"
        " EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') AS installed,"
        " EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') AS available"
    )
    info = rows[0]
    trigram = bool(info["installed"])
    if not trigram and info["superuser"] and info["available"]:
        await client.execute_script("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        trigram = True
    if not trigram:
        logger.warning(
            "pg_trgm is not installed and this role cannot create it: name matching falls back "
            "to full text only. A superuser can run: CREATE EXTENSION pg_trgm;"
        )
    for table in _SEARCH_TABLES:
        await client.execute_script(
            f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS"
            f" (to_tsvector('simple', coalesce(search_text, ''))) STORED;"
            f" CREATE INDEX idx_{table}_search_vector ON {table} USING gin (search_vector);"
        )
        if trigram:
            await client.execute_script(
                f"CREATE INDEX idx_{table}_name_trgm ON {table}"
                " USING gin (lower(name) gin_trgm_ops)"
            )


async def _sqlite_text_search(schema_editor: Any) -> None:
    for table in _SEARCH_TABLES:
        # An external-content FTS5 index kept in step with the table by triggers.
        await schema_editor.client.execute_script(
            f"CREATE VIRTUAL TABLE {table}_fts USING fts5(search_text, content='{table}',"
            f" content_rowid='id', tokenize='unicode61 remove_diacritics 2');"
            f" CREATE TRIGGER {table}_fts_ai AFTER INSERT ON {table} BEGIN"
            f"  INSERT INTO {table}_fts(rowid, search_text) VALUES (new.id, new.search_text); END;"
            f" CREATE TRIGGER {table}_fts_ad AFTER DELETE ON {table} BEGIN"
            f"  INSERT INTO {table}_fts({table}_fts, rowid, search_text)"
            f"  VALUES ('delete', old.id, old.search_text); END;"
            f" CREATE TRIGGER {table}_fts_au AFTER UPDATE OF search_text ON {table} BEGIN"
            f"  INSERT INTO {table}_fts({table}_fts, rowid, search_text)"
            f"  VALUES ('delete', old.id, old.search_text);"
            f"  INSERT INTO {table}_fts(rowid, search_text) VALUES (new.id, new.search_text); END;"
        )


async def create_text_search(apps: Any, schema_editor: Any) -> None:
    """Full-text search over `search_text`: tsvector + GIN (+ pg_trgm) or FTS5 on SQLite."""
    if schema_editor.DIALECT == "sqlite":
        await _sqlite_text_search(schema_editor)
    else:
        await _postgres_text_search(schema_editor)


async def create_search_indexes(apps: Any, schema_editor: Any) -> None:
    """Indexes for the search filters and sorts (plain B-trees, the same on both backends)."""
    statements = [
        "CREATE INDEX idx_practitioner_city_rating ON practitioner"
        " (city_id, status, rating_count DESC, id)",
        "CREATE INDEX idx_practitioner_city_fee ON practitioner"
        " (city_id, status, min_fee_paise, id)",
        "CREATE INDEX idx_practitioner_city_since ON practitioner"
        " (city_id, status, practising_since, id)",
        "CREATE INDEX idx_practitioner_geo ON practitioner (lat, lng)",
        "CREATE INDEX idx_hospital_geo ON hospital (lat, lng)",
        "CREATE INDEX idx_diagnostic_center_geo ON diagnostic_center (lat, lng)",
        "CREATE INDEX idx_role_practitioner ON practitioner_role (practitioner_id, hospital_id)",
    ]
    for sql in statements:
        await schema_editor.client.execute_script(sql)
