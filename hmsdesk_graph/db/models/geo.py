"""Places: cities and their localities (with the Reach zone each belongs to)."""

from tortoise import fields
from tortoise.models import Model


class City(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    state = fields.CharField(max_length=64)
    lat = fields.FloatField()
    lng = fields.FloatField()

    class Meta:
        table = "city"


class Locality(Model):
    id = fields.IntField(primary_key=True)
    city: fields.ForeignKeyRelation[City] = fields.ForeignKeyField(
        "hmsdesk.City", related_name="localities", on_delete=fields.RESTRICT
    )
    city_id: int
    slug = fields.CharField(max_length=96)
    name = fields.CharField(max_length=128)
    lat = fields.FloatField()
    lng = fields.FloatField()
    zone = fields.CharField(max_length=32)

    class Meta:
        table = "locality"
        unique_together = (("city", "slug"),)
