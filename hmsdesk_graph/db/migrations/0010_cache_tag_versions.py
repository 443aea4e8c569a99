from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('hmsdesk', '0009_center_collection')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CacheTagVersion',
            fields=[
                ('tag', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=48)),
                ('version', fields.BigIntField(default=0)),
            ],
            options={'table': 'cache_tag_version', 'app': 'hmsdesk', 'pk_attr': 'tag'},
            bases=['Model'],
        ),
    ]
