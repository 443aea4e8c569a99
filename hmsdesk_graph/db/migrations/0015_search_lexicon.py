"""The words of the search documents, so that a search spells a typed prefix out as the words
it starts (`db.lexicon`); PostgreSQL only, filled from the documents already there.
"""

from typing import Any

from tortoise import migrations
from tortoise.migrations import operations as ops

from hmsdesk_graph.db import lexicon


async def create_lexicon(apps: Any, schema_editor: Any) -> None:
    if schema_editor.DIALECT == "sqlite":
        return
    await schema_editor.client.execute_script(lexicon.CREATE)
    await schema_editor.client.execute_script(lexicon.FILL)


class Migration(migrations.Migration):
    dependencies = [("hmsdesk", "0014_provider_derived_lists")]

    initial = False

    operations = [
        ops.RunPython(create_lexicon),
    ]
