from tortoise import migrations
from tortoise.migrations import operations as ops
from hmsdesk_graph.db.enums import VisitKind
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0008_account_deactivation')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CenterSlotBooking',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('diagnostic_center', fields.ForeignKeyField('hmsdesk.DiagnosticCenter', source_field='diagnostic_center_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('slot_start', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('visit_kind', fields.CharEnumField(description='CONSULTATION: CONSULTATION\nWALK_IN: WALK_IN\nHOME_COLLECTION: HOME_COLLECTION', enum_type=VisitKind, max_length=15)),
                ('booked', fields.SmallIntField(default=0)),
                ('capacity', fields.SmallIntField(default=1)),
            ],
            options={'table': 'center_slot_booking', 'app': 'hmsdesk', 'unique_together': (('diagnostic_center', 'slot_start', 'visit_kind'),), 'pk_attr': 'id', 'table_description': 'Booked count per diagnostic center, collection window and kind of visit.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Appointment',
            name='collection_address_ciphertext',
            field=fields.TextField(null=True, unique=False),
        ),
        ops.AddField(
            model_name='Appointment',
            name='home_collection_fee_paise',
            field=fields.BigIntField(null=True),
        ),
        ops.AddField(
            model_name='Appointment',
            name='window_end',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='DiagnosticCenter',
            name='collection_capacity',
            field=fields.SmallIntField(null=True, default=4),
        ),
        ops.AddField(
            model_name='DiagnosticCenter',
            name='collection_window_minutes',
            field=fields.SmallIntField(null=True, default=60),
        ),
        ops.AddField(
            model_name='DiagnosticCenter',
            name='home_collection_capacity',
            field=fields.SmallIntField(null=True, default=2),
        ),
        ops.AddField(
            model_name='DiagnosticCenter',
            name='weekly_hours',
            field=fields.JSONField(null=True, encoder=JSON_DUMPS, decoder=loads),
        ),
    ]
