"""`hmsdesk-graph query --token … --purpose …`: ad-hoc reads audited like HTTP ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from hmsdesk_graph.config import Settings
from hmsdesk_graph.db import models
from hmsdesk_graph.db.crypto import FieldCipher
from hmsdesk_graph.identity.auth import Role, TokenService
from hmsdesk_graph.identity.global_ids import to_global_id
from tests.factories import build_dataset
from tests.privacy.people import build_people

ROOT = Path(__file__).resolve().parents[2]
PATIENT = "query($id: ID!) { node(id: $id) { ... on Patient { name phone } } }"


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env["HMSDESK_DATABASE_URL"] = settings.database_url
    env["HMSDESK_ENV"] = "test"
    return subprocess.run(
        [sys.executable, "-m", "hmsdesk_graph", "query", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )


async def test_staff_reads_with_a_purpose_are_audited(db: Settings, tmp_path: Path) -> None:
    people = await build_people(
        await build_dataset(FieldCipher(db.field_encryption_key)),
        FieldCipher(db.field_encryption_key),
    )
    token = TokenService(db).mint(Role.INTERNAL, subject="staff:riya")
    variables = json.dumps({"id": to_global_id("Patient", people.a.id)})

    anonymous = _cli(db, "-e", PATIENT, "--variables", variables)
    assert people.a.phone not in anonymous.stdout
    assert await models.AuditLog.all().count() == 0

    no_purpose = _cli(db, "-e", PATIENT, "--variables", variables, "--token", token)
    assert people.a.phone not in no_purpose.stdout
    assert "FORBIDDEN" in no_purpose.stdout
    assert await models.AuditLog.all().count() == 0

    token_file = tmp_path / "token"
    token_file.write_text(token + "\n", encoding="utf-8")
    purpose = "ticket 4411: booking dispute"
    audited = _cli(
        db,
        "-e",
        PATIENT,
        "--variables",
        variables,
        "--token",
        f"@{token_file}",
        "--purpose",
        purpose,
    )
    assert audited.returncode == 0, audited.stderr
    node = json.loads(audited.stdout)["data"]["node"]
    assert node["name"] == people.a.name and node["phone"] == people.a.phone
    rows = await models.AuditLog.all()
    assert [(r.viewer_subject, r.purpose, r.object_type, r.object_id) for r in rows] == [
        ("staff:riya", purpose, "Patient", people.a.id)
    ]
    assert set(rows[0].fields_read) == {"name", "phone"}
    assert rows[0].operation == "cli"
    assert audited.stderr.strip() == ""  # no Tortoise-ORM chatter


async def test_a_bad_token_is_one_line(db: Settings) -> None:
    result = _cli(db, "-e", "{ cities { slug } }", "--token", "not.a.token")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "--token" in result.stderr
    assert result.stdout == ""
