from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from hmsdesk_graph.db.migration_ops import create_search_indexes, create_text_search

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0001_initial')]

    initial = False

    operations = [
        ops.AddField(
            model_name='DiagnosticCenter',
            name='search_text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Hospital',
            name='search_text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='available_days',
            field=fields.SmallIntField(null=True),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='instant_booking',
            field=fields.BooleanField(null=True),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='lat',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='lng',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='min_fee_paise',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='search_text',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Practitioner',
            name='video_consult',
            field=fields.BooleanField(null=True),
        ),
        ops.RunPython(create_text_search),
        ops.RunPython(create_search_indexes),
    ]
