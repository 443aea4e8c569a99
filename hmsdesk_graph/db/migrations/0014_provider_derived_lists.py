"""Derived lists on the provider rows: practitioners' specialty and locality ids, hospitals'
specialty ids, every provider's published reviews per star (see `db.derived`).

The search facets unnest the id lists instead of probing two link-table indexes per
practitioner; on PostgreSQL the city covering index carries them too, so a facet's base set
near a point is still an index-only scan.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from hmsdesk_graph.db import derived

_NARROW = (
    "gender, min_fee_paise, available_days, rating_count, rating_sum, practising_since,"
    " video_consult, instant_booking"
)


async def add_derived_lists(apps: Any, schema_editor: Any) -> None:
    client = schema_editor.client
    await derived.add_columns(client)
    for table in derived.LISTS:
        await derived.derive(client, table)
    if schema_editor.DIALECT != "sqlite":
        await client.execute_script(
            "DROP INDEX idx_practitioner_city_cover;"
            " CREATE INDEX idx_practitioner_city_cover ON practitioner (city_id, status, id)"
            f" INCLUDE ({_NARROW}, specialty_ids, locality_ids)"
        )


class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0013_practitioner_city_cover')]

    initial = False

    operations = [
        ops.RunPython(add_derived_lists),
    ]
