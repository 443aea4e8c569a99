"""Opaque global IDs ("Type:pk", base64url): how the API names the objects it hands out.

Apart from the Relay `Node` interface (schema/node.py) so that reach, which schema imports,
can read IDs from its arguments too.
"""

from __future__ import annotations

import base64
import binascii
import re

import strawberry

from hmsdesk_graph.errors import BadUserInput

NODE_TYPES = (
    "Practitioner",
    "PractitionerRole",
    "Hospital",
    "DiagnosticCenter",
    "PricePackage",
    "Review",
    "City",
    "Specialty",
    "LabTest",
    "Appointment",
    "Patient",
)
_RAW = re.compile(r"^([A-Za-z]+):([1-9][0-9]{0,17})$")


def to_global_id(type_name: str, pk: int) -> strawberry.ID:
    raw = f"{type_name}:{pk}".encode()
    return strawberry.ID(base64.urlsafe_b64encode(raw).decode().rstrip("="))


def from_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) of a well-formed ID; BAD_USER_INPUT for a malformed one."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raw = ""
    match = _RAW.match(raw)
    if not match or match.group(1) not in NODE_TYPES:
        raise BadUserInput(f"{global_id!r} is not a valid ID.", argument="id")
    return match.group(1), int(match.group(2))
