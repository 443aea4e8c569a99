"""Facet counts of the practitioner search, kept in step with the search columns.

`PractitionerFacetCount` holds, per city, per specialty (0: any) and per gender ('': any), the
number of active practitioners in each facet value; `PractitionerFacetMember` remembers what
each practitioner was last counted as, so a refresh adds the difference instead of recounting
a city. Both are written only by `db.facet_summary`. No personal data: counts and public ids.
"""

from tortoise import fields
from tortoise.models import Model


class PractitionerFacetCount(Model):
    id = fields.IntField(primary_key=True)
    city_id = fields.IntField()
    specialty_id = fields.IntField()  # 0: any specialty
    gender = fields.CharField(max_length=6)  # '': any gender
    facet = fields.CharField(max_length=8)  # total, spec, loc, fee, gender, day, week, built
    value = fields.CharField(max_length=16)  # the facet value as text ('' for total)
    ref = fields.IntField(default=0)  # specialty / locality id of spec / loc rows, else 0
    n = fields.IntField(default=0)

    class Meta:
        table = "practitioner_facet_count"
        unique_together = (("city_id", "specialty_id", "gender", "facet", "value"),)


class PractitionerFacetMember(Model):
    practitioner_id = fields.IntField(primary_key=True)
    counted = fields.TextField()  # JSON: the attributes this practitioner was counted with

    class Meta:
        table = "practitioner_facet_member"
