from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from typing import Any


async def count_practitioner_facets(apps: Any, schema_editor: Any) -> None:
    """Fill the practitioner facet counts from the rows already there."""
    from hmsdesk_graph.db import facet_summary

    conn = schema_editor.client
    rows = await conn.execute_query_dict("SELECT id FROM practitioner ORDER BY id")
    ids = [int(r["id"]) for r in rows]
    for start in range(0, len(ids), 5000):
        await facet_summary.refresh(conn, ids[start : start + 5000])
    await facet_summary.mark_built(conn)

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0010_cache_tag_versions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='PractitionerFacetCount',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('city_id', fields.IntField()),
                ('specialty_id', fields.IntField()),
                ('gender', fields.CharField(max_length=6)),
                ('facet', fields.CharField(max_length=8)),
                ('value', fields.CharField(max_length=16)),
                ('ref', fields.IntField(default=0)),
                ('n', fields.IntField(default=0)),
            ],
            options={'table': 'practitioner_facet_count', 'app': 'hmsdesk', 'unique_together': (('city_id', 'specialty_id', 'gender', 'facet', 'value'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PractitionerFacetMember',
            fields=[
                ('practitioner_id', fields.IntField(primary_key=True, unique=True, db_index=True)),
                ('counted', fields.TextField(unique=False)),
            ],
            options={'table': 'practitioner_facet_member', 'app': 'hmsdesk', 'pk_attr': 'practitioner_id'},
            bases=['Model'],
        ),
        ops.RunPython(count_practitioner_facets),
    ]
