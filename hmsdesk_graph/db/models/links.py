"""Foreign-key declarations the models share.

Every link in this app has no reverse accessor (`related_name=False`: code reads ids and runs
its own queries), so a link is one line naming its target and what a delete of it does, and
the owner columns that several tables share are one abstract model.
"""

from typing import Any

from tortoise import fields
from tortoise.fields.base import OnDelete
from tortoise.fields.relational import ForeignKeyNullableRelation, ForeignKeyRelation
from tortoise.models import Model

# The CHECK that goes with `ProviderOwned`: one owner column set, the others NULL.
EXACTLY_ONE_OWNER = (
    "(CASE WHEN practitioner_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN hospital_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN diagnostic_center_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def link(to: str, on_delete: OnDelete) -> ForeignKeyRelation[Any]:
    """A required foreign key to the model named `to` (``"hmsdesk.Name"``)."""
    return fields.ForeignKeyField(to, related_name=False, on_delete=on_delete)


def optional_link(to: str, on_delete: OnDelete) -> ForeignKeyNullableRelation[Any]:
    """A nullable foreign key to the model named `to` (``"hmsdesk.Name"``)."""
    return fields.ForeignKeyField(to, related_name=False, null=True, on_delete=on_delete)


class ProviderOwned(Model):
    """Exactly one provider owns the row (each table's CHECK constraint says so); deleting the
    provider deletes its rows. The integer primary key comes with it, first, as before."""

    id = fields.IntField(primary_key=True)
    practitioner = optional_link("hmsdesk.Practitioner", fields.CASCADE)
    practitioner_id: int | None
    hospital = optional_link("hmsdesk.Hospital", fields.CASCADE)
    hospital_id: int | None
    diagnostic_center = optional_link("hmsdesk.DiagnosticCenter", fields.CASCADE)
    diagnostic_center_id: int | None

    class Meta:
        abstract = True
