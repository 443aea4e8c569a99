"""Reference vocabularies: specialties and lab tests."""

from tortoise import fields
from tortoise.models import Model

from hmsdesk_graph.db.enums import SystemOfMedicine


class Specialty(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=128)
    synonyms = fields.JSONField(default=list)
    symptoms = fields.JSONField(default=list)
    system = fields.CharEnumField(SystemOfMedicine, default=SystemOfMedicine.ALLOPATHY)

    class Meta:
        table = "specialty"


class LabTest(Model):
    id = fields.IntField(primary_key=True)
    slug = fields.CharField(max_length=96, unique=True)
    name = fields.CharField(max_length=160)
    category = fields.CharField(max_length=64)
    sample_type = fields.CharField(max_length=32)
    fasting_hours = fields.SmallIntField(default=0)
    parameters_count = fields.SmallIntField(default=1)
    synonyms = fields.JSONField(default=list)

    class Meta:
        table = "lab_test"
        indexes = (("name",),)
