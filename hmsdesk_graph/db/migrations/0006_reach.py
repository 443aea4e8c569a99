from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index


async def create_partner_indexes(apps: Any, schema_editor: Any) -> None:
    """A partner's listings, for the Reach dashboard (partial: most listings have no partner)."""
    for table in ("practitioner", "hospital", "diagnostic_center"):
        await schema_editor.client.execute_script(
            f"CREATE INDEX idx_{table}_partner ON {table} (partner_id)"
            " WHERE partner_id IS NOT NULL"
        )


class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0004_feed_ingestion')]

    initial = False

    operations = [
        ops.AddField(
            model_name='DailyStat',
            name='position_count',
            field=fields.IntField(default=0),
        ),
        ops.AddIndex(
            model_name='DailyStat',
            index=Index(fields=['day']),
        ),
        ops.RunPython(create_partner_indexes),
    ]
