from tortoise import migrations
from tortoise.migrations import operations as ops
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0003_privacy_records')]

    initial = False

    operations = [
        ops.CreateModel(
            name='QuarantinedPrice',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('feed', fields.ForeignKeyField('hmsdesk.Feed', source_field='feed_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('feed_run', fields.ForeignKeyField('hmsdesk.FeedRun', source_field='feed_run_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('external_ref', fields.CharField(max_length=96)),
                ('line', fields.IntField()),
                ('reason', fields.CharField(max_length=32)),
                ('detail', fields.CharField(max_length=200)),
                ('price_min_paise', fields.BigIntField()),
                ('price_max_paise', fields.BigIntField()),
                ('previous_min_paise', fields.BigIntField(null=True)),
                ('previous_max_paise', fields.BigIntField(null=True)),
                ('proposal', fields.JSONField(default=dict, encoder=JSON_DUMPS, decoder=loads)),
                ('quarantined_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'quarantined_price', 'app': 'hmsdesk', 'unique_together': (('feed', 'external_ref'),), 'pk_attr': 'id', 'table_description': 'A feed row held back from price_package for review, never served.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='FeedRun',
            name='error',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='FeedRun',
            name='rows_stale',
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.AddField(
            model_name='FeedRun',
            name='rows_unchanged',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
