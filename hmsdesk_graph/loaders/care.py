"""Batch functions for the personal side: patients and appointments.

These are the only loaders that read private columns. They hand rows to resolvers that
check the viewer (hmsdesk_graph.identity.permissions) before anything personal leaves the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter

from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.models import Model

from hmsdesk_graph.db import models
from hmsdesk_graph.db.sql import SqlBuilder, models_from_rows
from hmsdesk_graph.instant_booking import OUTCOME_WINDOW, OutcomeRecord
from hmsdesk_graph.loaders.base import group_keys, grouped_by, in_key_order
from hmsdesk_graph.loaders.by_id import load_by_id
from hmsdesk_graph.loaders.paging import before, first_rows_per_group
from hmsdesk_graph.pagination import Key


def _all_columns(model: type[Model], alias: str) -> str:
    return ", ".join(f'{alias}."{c}"' for c in sorted(model._meta.db_fields))


async def load_patients_private(keys: Sequence[int]) -> list[models.Patient | None]:
    return await load_by_id(models.Patient, keys, _all_columns(models.Patient, "t"), "t")


async def load_appointments_private(keys: Sequence[int]) -> list[models.Appointment | None]:
    return await load_by_id(models.Appointment, keys, _all_columns(models.Appointment, "t"), "t")


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
            where.append(before(q, "t.slot_start, t.id", after))
        select, order = _all_columns(models.Appointment, "t"), "t.slot_start DESC, t.id DESC"
        by_patient = await first_rows_per_group(
            q, "appointment", "t", select, "patient_id", order, where, first + 1
        )
        for key in group:
            results[key] = models_from_rows(models.Appointment, by_patient.get(key.patient_id, []))
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


async def load_outcome_records(
    keys: Sequence[int], conn: BaseDBAsyncClient | None = None
) -> list[OutcomeRecord]:
    """Each practice's latest outcomes (honoured / provider no-show), in one statement;
    `conn` is a write transaction's connection when the answer decides a write."""
    q = SqlBuilder(conn)
    rows = await q.fetch(
        "SELECT role_id, COUNT(*) AS total,"
        " SUM(CASE WHEN status = 'HONOURED' THEN 1 ELSE 0 END) AS honoured FROM ("
        " SELECT role_id, status, ROW_NUMBER() OVER"
        " (PARTITION BY role_id ORDER BY slot_start DESC, id DESC) AS n FROM appointment"
        f" WHERE role_id {q.in_ints(keys)} AND status IN ('HONOURED', 'PROVIDER_NO_SHOW')"
        f") latest WHERE n <= {int(OUTCOME_WINDOW)} GROUP BY role_id"
    )
    found = {
        int(r["role_id"]): OutcomeRecord(total=int(r["total"]), honoured=int(r["honoured"] or 0))
        for r in rows
    }
    return in_key_order(keys, found, OutcomeRecord(total=0, honoured=0))
