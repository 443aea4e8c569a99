from tortoise import migrations
from tortoise.migrations import operations as ops
from hmsdesk_graph.db.enums import ConsentPurpose, ErasureStatus
from orjson import loads
from tortoise.fields.base import OnDelete
from tortoise.fields.data import JSON_DUMPS
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0002_search_columns')]

    initial = False

    operations = [
        ops.CreateModel(
            name='AuditLog',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('viewer_subject', fields.CharField(max_length=128)),
                ('viewer_role', fields.CharField(max_length=16)),
                ('purpose', fields.CharField(null=True, max_length=200)),
                ('object_type', fields.CharField(max_length=32)),
                ('object_id', fields.IntField()),
                ('fields_read', fields.JSONField(default=list, encoder=JSON_DUMPS, decoder=loads)),
                ('operation', fields.CharField(null=True, max_length=128)),
            ],
            options={'table': 'audit_log', 'app': 'hmsdesk', 'indexes': [Index(fields=['at']), Index(fields=['object_type', 'object_id'])], 'pk_attr': 'id', 'table_description': 'One read of personal data by staff (or any privileged path), with its stated purpose.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Consent',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient', fields.ForeignKeyField('hmsdesk.Patient', source_field='patient_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('purpose', fields.CharEnumField(description='BOOKING_COMMUNICATION: BOOKING_COMMUNICATION\nFEEDBACK_REQUESTS: FEEDBACK_REQUESTS\nMARKETING: MARKETING\nRESEARCH_ANALYTICS: RESEARCH_ANALYTICS', enum_type=ConsentPurpose, max_length=21)),
                ('granted', fields.BooleanField()),
                ('recorded_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'consent', 'app': 'hmsdesk', 'indexes': [Index(fields=['patient_id', 'purpose', 'recorded_at'])], 'pk_attr': 'id', 'table_description': 'Append-only: the latest row per patient and purpose is the current answer.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ErasureRequest',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('patient_ref', fields.CharField(max_length=64)),
                ('service', fields.CharField(max_length=32)),
                ('status', fields.CharEnumField(default=ErasureStatus.QUEUED, description='QUEUED: QUEUED\nSENT: SENT\nFAILED: FAILED', enum_type=ErasureStatus, max_length=6)),
                ('requested_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('sent_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('attempts', fields.SmallIntField(default=0)),
            ],
            options={'table': 'erasure_request', 'app': 'hmsdesk', 'indexes': [Index(fields=['status', 'requested_at'])], 'pk_attr': 'id', 'table_description': 'Erasure queued for a partner service. patient_ref is opaque, never a name.'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Appointment',
            name='confirmed',
            field=fields.BooleanField(null=True, default=True),
        ),
    ]
