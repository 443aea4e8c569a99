"""Batch functions for the personal side: patients and appointments.

These are the only loaders that read private columns. They hand rows to resolvers that
check the viewer (hmsdesk_graph.permissions) before anything personal leaves the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from tortoise.models import Model

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.loaders.base import group_keys, grouped_by, in_key_order
from hmsdesk_graph.pagination import Key


def _all_columns(model: type[Model], alias: str) -> str:
    return ", ".join(f'{alias}."{c}"' for c in sorted(model._meta.db_fields))


async def load_patients_private(keys: Sequence[int]) -> list[models.Patient | None]:
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {_all_columns(models.Patient, 't')} FROM patient t WHERE t.id {q.in_ints(keys)}"
    )
    found = {p.pk: p for p in models_from_rows(models.Patient, rows)}
    return in_key_order(keys, found, None)


async def load_appointments_private(keys: Sequence[int]) -> list[models.Appointment | None]:
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {_all_columns(models.Appointment, 't')} FROM appointment t"
        f" WHERE t.id {q.in_ints(keys)}"
    )
    found = {a.pk: a for a in models_from_rows(models.Appointment, rows)}
    return in_key_order(keys, found, None)


@dataclass(frozen=True)
class PatientAppointmentsKey:
    """One page of a patient's appointments, latest slot first."""

    patient_id: int
    first: int
    after: Key | None


async def load_appointments_by_patient(
    keys: Sequence[PatientAppointmentsKey],
) -> list[list[models.Appointment]]:
    results: dict[PatientAppointmentsKey, list[models.Appointment]] = {}
    for (first, after), group in group_keys(keys, lambda k: (k.first, k.after)).items():
        q = SqlBuilder()
        where = [f"t.patient_id {q.in_ints(k.patient_id for k in group)}"]
        if after is not None:
            slot, appointment_id = after
            assert isinstance(slot, datetime)
            where.append(f"(t.slot_start, t.id) < ({q.dt(slot)}, {q.p(appointment_id)})")
        rows = await q.fetch(
            f"SELECT * FROM (SELECT {_all_columns(models.Appointment, 't')}, ROW_NUMBER() OVER"
            " (PARTITION BY t.patient_id ORDER BY t.slot_start DESC, t.id DESC) AS _rn"
            f" FROM appointment t WHERE {' AND '.join(where)}) x"
            f" WHERE x._rn <= {q.p(first + 1)} ORDER BY x.patient_id, x._rn"
        )
        for row in rows:
            row.pop("_rn")
        by_patient = grouped_by(
            models_from_rows(models.Appointment, rows), attrgetter("patient_id")
        )
        for key in group:
            results[key] = by_patient.get(key.patient_id, [])
    return [results[key] for key in keys]


async def load_reviews_by_patient(keys: Sequence[int]) -> list[list[models.Review]]:
    """A patient's own reviews in every status, newest first."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {_all_columns(models.Review, 't')} FROM review t"
        f" WHERE t.patient_id {q.in_ints(keys)} ORDER BY t.patient_id, t.created_at DESC, t.id DESC"
    )
    found = grouped_by(models_from_rows(models.Review, rows), attrgetter("patient_id"))
    return in_key_order(keys, found, [])


async def load_consents_by_patient(keys: Sequence[int]) -> list[list[models.Consent]]:
    """The latest consent row per purpose for each patient."""
    q = SqlBuilder()
    rows = await q.fetch(
        f"SELECT {_all_columns(models.Consent, 't')} FROM consent t"
        f" WHERE t.patient_id {q.in_ints(keys)}"
        " ORDER BY t.patient_id, t.purpose, t.recorded_at, t.id"
    )
    latest: dict[tuple[int, str], models.Consent] = {}
    for consent in models_from_rows(models.Consent, rows):
        latest[(consent.patient_id, str(consent.purpose))] = consent
    found = grouped_by(
        sorted(latest.values(), key=lambda c: (c.patient_id, str(c.purpose))),
        attrgetter("patient_id"),
    )
    return in_key_order(keys, found, [])
