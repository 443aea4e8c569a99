"""One text index per city for the practitioner search (PostgreSQL).

Every practitioner search names a city, but the text index covered the whole country: at the
national scale (`seed --scale large`, 1M practitioners over 64 cities) "dentist" in Pune read
the postings of 119,719 dentists and ANDed them with 71,632 Pune rows, a bitmap too large for
work_mem that went lossy (7.5k heap pages rechecked): 130-170 ms of PostgreSQL per search,
against 20 ms on medium. A GIN index on (city_id, search_vector) walks the city's postings and
the words' together (btree_gin gives GIN the city's equality): 3 ms to the 9k Pune dentists.
Without btree_gin (not installed and this role cannot create it) the step warns and skips: the
search answers the same from the country-wide index, only slower.
"""

import logging
from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

logger = logging.getLogger("hmsdesk_graph.db.migrations")

INDEX = "idx_practitioner_city_text"


async def create_city_text_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.DIALECT == "sqlite":
        return  # SQLite searches its FTS5 table: this index is PostgreSQL's
    client = schema_editor.client
    rows = await client.execute_query_dict(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'btree_gin') AS installed,"
        " (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,"
        " EXISTS (SELECT 1 FROM pg_available_extension_versions WHERE name = 'btree_gin'"
        " AND trusted) AS trusted,"
        " has_database_privilege(current_database(), 'CREATE') AS may_create"
    )
    info = rows[0]
    if not info["installed"]:
        if not (info["superuser"] or (info["trusted"] and info["may_create"])):
            logger.warning(
                "btree_gin is not installed and this role cannot create it: the practitioner "
                "search keeps its country-wide text index. A superuser can run: "
                "CREATE EXTENSION btree_gin; "
                "CREATE INDEX %s ON practitioner USING gin (city_id, search_vector);",
                INDEX,
            )
            return
        await client.execute_script("CREATE EXTENSION IF NOT EXISTS btree_gin")
    await client.execute_script(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON practitioner USING gin (city_id, search_vector)"
    )


class Migration(migrations.Migration):
    dependencies = [("hmsdesk", "0016_lab_link_city")]

    initial = False

    operations = [
        ops.RunPython(create_city_text_index),
    ]
