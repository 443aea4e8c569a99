from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0007_message_outbox')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Patient',
            name='deactivated_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Review',
            name='author_hidden',
            field=fields.BooleanField(default=False, null=True),
        ),
    ]
