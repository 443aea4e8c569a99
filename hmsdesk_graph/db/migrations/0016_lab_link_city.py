"""The owner's city on each lab-test link, kept by triggers (`db.lab_cities`), so a lab test's
price comparison in one city reads that city's links alone.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from hmsdesk_graph.db import lab_cities


async def add_link_city(apps: Any, schema_editor: Any) -> None:
    for statement in lab_cities.statements(schema_editor.DIALECT):
        await schema_editor.client.execute_script(statement)


class Migration(migrations.Migration):
    dependencies = [("hmsdesk", "0015_search_lexicon")]

    initial = False

    operations = [
        ops.RunPython(add_link_city),
    ]
