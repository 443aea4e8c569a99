"""The audit trail of personal-data reads: collected during a request, written before it answers.

A staff read of a personal field needs a stated purpose (the X-Access-Purpose header); each
read is recorded with the viewer, purpose, object and field, never the value. The endpoint
writes the trail before sending the response: if the trail cannot be written, the response
carries no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from hmsdesk_graph.db import models

if TYPE_CHECKING:
    from hmsdesk_graph.identity.auth import Viewer


@dataclass(frozen=True)
class AuditEntry:
    viewer_subject: str
    viewer_role: str
    purpose: str | None
    object_type: str
    object_id: int
    field: str
    at: datetime


@dataclass
class AuditTrail:
    """Reads recorded by one request, written in one statement at its end."""

    entries: list[AuditEntry] = field(default_factory=list)
    operation: str | None = None

    def record(self, viewer: Viewer, object_type: str, object_id: int, field_name: str) -> None:
        self.entries.append(
            AuditEntry(
                viewer_subject=viewer.subject,
                viewer_role=viewer.role.value,
                purpose=viewer.purpose,
                object_type=object_type,
                object_id=object_id,
                field=field_name,
                at=datetime.now(UTC),
            )
        )

    async def flush(self) -> int:
        """Write the recorded reads (one row per object, listing its fields)."""
        if not self.entries:
            return 0
        grouped: dict[tuple[str, str, str | None, str, int], list[str]] = {}
        first_seen: dict[tuple[str, str, str | None, str, int], datetime] = {}
        for e in self.entries:
            key = (e.viewer_subject, e.viewer_role, e.purpose, e.object_type, e.object_id)
            fields_read = grouped.setdefault(key, [])
            if e.field not in fields_read:
                fields_read.append(e.field)
            first_seen.setdefault(key, e.at)
        await models.AuditLog.bulk_create(
            [
                models.AuditLog(
                    at=first_seen[key],
                    viewer_subject=key[0],
                    viewer_role=key[1],
                    purpose=key[2],
                    object_type=key[3],
                    object_id=key[4],
                    fields_read=fields_read,
                    operation=self.operation,
                )
                for key, fields_read in grouped.items()
            ]
        )
        written = len(self.entries)
        self.entries.clear()
        return written
