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


def decode_global_id(global_id: str) -> tuple[str, int] | None:
    """(type name, primary key) of a well-formed ID of any type (a Node or not); else None."""
    try:
        raw = base64.urlsafe_b64decode(global_id + "=" * (-len(global_id) % 4)).decode()
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    match = _RAW.match(raw)
    return (match.group(1), int(match.group(2))) if match else None


def from_global_id(global_id: str) -> tuple[str, int]:
    """(type name, primary key) of a well-formed ID; BAD_USER_INPUT for a malformed one."""
    decoded = decode_global_id(global_id)
    if decoded is None or decoded[0] not in NODE_TYPES:
        raise BadUserInput(f"{global_id!r} is not a valid ID.", argument="id")
    return decoded


def pk_of(global_id: str, type_name: str, message: str, argument: str) -> int:
    """The primary key of an ID of `type_name`; BAD_USER_INPUT saying `message` (naming
    `argument`) for another type's ID, and as `from_global_id` for a malformed one."""
    kind, pk = from_global_id(global_id)
    if kind != type_name:
        raise BadUserInput(message, argument=argument)
    return pk
