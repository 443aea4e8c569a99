"""The privacy matrix: every viewer by every path, every response and log scanned for secrets.

Rules (DESIGN §6): a patient sees all of their own data; the treating partner sees the
patient's name and a masked phone on its own appointments and never who wrote a review;
staff read personal data only with a stated purpose; nobody else sees any of it.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import Dataset
from tests.privacy.people import People

OPERATIONS = Path(__file__).resolve().parents[2] / "schema" / "operations"
A_ALL = {"A.name", "A.phone", "A.email"}


def _paths(ds: Dataset, p: People) -> dict[str, tuple[str, dict[str, Any]]]:
    a1 = to_global_id("Appointment", p.a_appointment)
    guest = to_global_id("Appointment", p.guest_appointment)
    patient_a = to_global_id("Patient", p.a.id)
    reviews = [
        to_global_id("Review", p.a_anonymous_review),
        to_global_id("Review", p.a_named_review),
    ]
    op = {f.stem: f.read_text() for f in OPERATIONS.glob("*.graphql")}
    return {
        "practitioner profile": (op["practitionerProfile"], {"slug": ds.profile_slug}),
        "hospital profile": (op["hospitalProfile"], {"slug": ds.hospital_slug}),
        "search": (op["webSearchPractitioners"], {"city": "pune", "query": "cardiologist"}),
        "node appointment": (
            "query($id: ID!) { node(id: $id) { id ... on Appointment"
            " { status patientName patientPhone } } }",
            {"id": a1},
        ),
        "node guest appointment": (
            "query($id: ID!) { node(id: $id) { ... on Appointment { patientName patientPhone } } }",
            {"id": guest},
        ),
        "node patient": (
            "query($id: ID!) { node(id: $id) { ... on Patient { name phone email } } }",
            {"id": patient_a},
        ),
        "nodes reviews": (
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Review { text"
            " author { displayName verifiedPatient } target { __typename } } } }",
            {"ids": reviews},
        ),
        "me": (
            "{ me { name phone email appointments { edges { node { patientName patientPhone } } }"
            " reviews { text status author { displayName } } consents { purpose } } }",
            {},
        ),
        "partner appointments": (
            "{ partnerAppointments { edges { node { patientName patientPhone status } } } }",
            {},
        ),
        "staff patient": (
            "query($id: ID!) { patient(id: $id) { name phone email } }",
            {"id": patient_a},
        ),
        "export": ("mutation { exportMyData }", {}),
        "audit log": (
            "{ auditLog { edges { node { viewerSubject objectType fieldsRead purpose } } } }",
            {},
        ),
    }


ALLOWED: dict[tuple[str, str], set[str]] = {
    ("patient A", "me"): A_ALL,
    ("patient A", "node patient"): A_ALL,
    ("patient A", "node appointment"): {"A.name", "A.phone"},
    ("patient A", "export"): A_ALL,
    ("patient B", "me"): {"B.name", "B.phone", "B.email"},
    ("patient B", "export"): {"B.name", "B.phone", "B.email"},
    ("partner X", "node appointment"): {"A.name"},
    ("partner X", "node guest appointment"): {"guest.name"},
    ("partner X", "partner appointments"): {"A.name", "guest.name"},
    ("partner Y", "partner appointments"): {"B.name"},
    ("internal, purpose", "node appointment"): {"A.name", "A.phone"},
    ("internal, purpose", "node guest appointment"): {"guest.name", "guest.phone"},
    ("internal, purpose", "node patient"): A_ALL,
    ("internal, purpose", "staff patient"): A_ALL,
    ("admin, purpose", "node appointment"): {"A.name", "A.phone"},
    ("admin, purpose", "node guest appointment"): {"guest.name", "guest.phone"},
    ("admin, purpose", "node patient"): A_ALL,
    ("admin, purpose", "staff patient"): A_ALL,
}


def _forms(secret: str) -> list[str]:
    """A secret as it could appear: as stored, and a phone's bare ten digits."""
    digits = "".join(c for c in secret if c.isdigit())
    return [secret, digits[-10:]] if secret.startswith("+") else [secret]


def _found(text: str, secret: str) -> bool:
    return any(form in text for form in _forms(secret))


async def test_privacy_matrix(
    http: Any,
    dataset: Dataset,
    people: People,
    viewers: dict[str, dict[str, str]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    secrets = people.secrets()
    paths = _paths(dataset, people)
    problems: list[str] = []
    cells = 0
    for viewer, headers in viewers.items():
        for path, (query, variables) in paths.items():
            cells += 1
            response = await http.post(
                "/graphql", json={"query": query, "variables": variables}, headers=headers
            )
            text = response.text
            allowed = ALLOWED.get((viewer, path), set())
            for key, secret in secrets.items():
                if _found(text, secret) and key not in allowed:
                    problems.append(f"{viewer} / {path}: leaked {key}")
                if key in allowed and not _found(text, secret):
                    problems.append(f"{viewer} / {path}: expected {key} to be visible")
            if path == "nodes reviews":
                anonymous_review = text.split('"text"')[1] if '"text"' in text else ""
                if "Ananya" in anonymous_review.split("},")[0]:
                    problems.append(f"{viewer}: the anonymous review names its author")
    logs = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    for key, secret in secrets.items():
        if _found(logs, secret):
            problems.append(f"logs: leaked {key}")
    assert cells == len(viewers) * len(paths) == 96
    assert not problems, "\n".join(problems)


async def test_partner_sees_a_masked_phone(
    http: Any, people: People, viewers: dict[str, dict[str, str]]
) -> None:
    body = (
        await http.post(
            "/graphql",
            json={
                "query": "{ partnerAppointments { edges { node { patientName patientPhone } } } }"
            },
            headers=viewers["partner X"],
        )
    ).json()
    phones = {
        e["node"]["patientName"]: e["node"]["patientPhone"]
        for e in body["data"]["partnerAppointments"]["edges"]
    }
    assert phones["Ananya Deshpande"] == "+91 ******** 23"
    assert phones["Gauri Kulkarni"] == "+91 ******** 90"


async def test_staff_reads_need_a_purpose_and_are_audited(
    http: Any, people: People, viewers: dict[str, dict[str, str]]
) -> None:
    query = {
        "query": "query($id: ID!) { patient(id: $id) { name phone } }",
        "variables": {"id": to_global_id("Patient", people.a.id)},
    }
    refused = (
        await http.post("/graphql", json=query, headers=viewers["internal, no purpose"])
    ).json()
    assert refused["data"]["patient"] == {"name": None, "phone": None}
    assert {e["extensions"]["code"] for e in refused["errors"]} == {"FORBIDDEN"}
    await http.post("/graphql", json=query, headers=viewers["internal, purpose"])
    log = (
        await http.post(
            "/graphql",
            json={
                "query": "{ auditLog { edges { node { viewerSubject viewerRole purpose objectType objectId fieldsRead } } } }"
            },
            headers=viewers["admin, purpose"],
        )
    ).json()
    entries = [e["node"] for e in log["data"]["auditLog"]["edges"]]
    assert {
        "viewerSubject": "staff:riya",
        "viewerRole": "INTERNAL",
        "purpose": "ticket 4411: booking dispute",
        "objectType": "Patient",
        "objectId": people.a.id,
        "fieldsRead": ["name", "phone"],
    } in entries
    internal = (
        await http.post(
            "/graphql",
            json={"query": "{ auditLog { edges { cursor } } }"},
            headers=viewers["internal, purpose"],
        )
    ).json()
    assert internal["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_other_partners_objects_look_missing(
    http: Any, people: People, viewers: dict[str, dict[str, str]]
) -> None:
    query = "query($id: ID!) { node(id: $id) { id } }"
    theirs = to_global_id("Appointment", people.b_appointment)
    missing = to_global_id("Appointment", 999999)
    bodies = []
    for target in (theirs, missing):
        response = await http.post(
            "/graphql",
            json={"query": query, "variables": {"id": target}},
            headers=viewers["partner X"],
        )
        body = response.json()
        # Identical but for the ID itself, which the caller sent (statement counts are a
        # test-only extension).
        body.pop("extensions", None)
        bodies.append((response.status_code, str(body).replace(target, "ID")))
    assert bodies[0] == bodies[1]
