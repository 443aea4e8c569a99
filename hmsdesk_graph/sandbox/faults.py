"""Fault knobs per sandbox route, settable at start (``slots.latency_ms=800``) and at run time.

Knobs, per route (``slots``, ``telephony``, ``messaging``, ``feeds``):

- ``latency_ms``: added before answering
- ``error_rate`` (0..1) with ``error_status`` (default 500): fail that share of calls, in a
  sequence fixed by the sandbox seed
- ``malformed``: answer 200 with a body that is not valid JSON
- ``truncated``: declare the full Content-Length, send half, close the connection
- ``oversized``: stream ``oversized_bytes`` (default 8 MiB) of chunked JSON
- ``hang``: never answer (until the sandbox closes)

Latency, hang and errors happen before the call is processed; malformed, truncated and
oversized bodies after it, so e.g. a message is recorded although its receipt is lost.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

ROUTES = ("slots", "telephony", "messaging", "feeds")
ALL = "all"
DEFAULT_OVERSIZED_BYTES = 8 * 1024 * 1024


@dataclass
class RouteFaults:
    """The faults of one route; all off by default."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 500
    malformed: bool = False
    truncated: bool = False
    oversized: bool = False
    oversized_bytes: int = DEFAULT_OVERSIZED_BYTES
    hang: bool = False

    def set(self, knob: str, value: Any) -> None:
        """Set one knob from a JSON value or a command-line string (ValueError if invalid)."""
        if knob not in _KNOBS:
            raise ValueError(f"unknown fault knob {knob!r} (known: {', '.join(_KNOBS)})")
        setattr(self, knob, _KNOBS[knob](knob, value))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RouteFaults:
        faults = cls()
        for knob, value in data.items():
            faults.set(knob, value)
        return faults

    @property
    def active(self) -> bool:
        return self != RouteFaults()


def _as_bool(knob: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if isinstance(value, str) and value.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{knob} must be true or false")


def _bounded(
    convert: type[int] | type[float], low: float, high: float, wrong: str, out_of_range: str = ""
) -> Any:
    """A knob parser: `convert` the value (a JSON boolean is not a number) and check its range."""

    def parse(knob: str, value: Any) -> float:
        if isinstance(value, bool):
            raise ValueError(f"{knob} {wrong}")
        try:
            number = convert(value)
        except (TypeError, ValueError):
            raise ValueError(f"{knob} {wrong}") from None
        if not low <= number <= high:
            raise ValueError(f"{knob} {out_of_range or wrong}")
        return number

    return parse


def _bounded_int(low: int, high: int) -> Any:
    return _bounded(int, low, high, "must be a whole number", f"must be between {low} and {high}")


_rate = _bounded(float, 0.0, 1.0, "must be a number between 0 and 1")

_KNOBS: dict[str, Any] = {
    "latency_ms": _bounded_int(0, 600_000),
    "error_rate": _rate,
    "error_status": _bounded_int(400, 599),
    "malformed": _as_bool,
    "truncated": _as_bool,
    "oversized": _as_bool,
    "oversized_bytes": _bounded_int(1, 1024**3),
    "hang": _as_bool,
}


@dataclass
class Faults:
    """Faults for every route of the sandbox."""

    slots: RouteFaults = field(default_factory=RouteFaults)
    telephony: RouteFaults = field(default_factory=RouteFaults)
    messaging: RouteFaults = field(default_factory=RouteFaults)
    feeds: RouteFaults = field(default_factory=RouteFaults)

    def route(self, name: str) -> RouteFaults:
        if name not in ROUTES:
            raise ValueError(f"unknown route {name!r} (known: {', '.join(ROUTES)})")
        faults: RouteFaults = getattr(self, name)
        return faults

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return {name: self.route(name).to_dict() for name in ROUTES}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Faults:
        """Faults from ``{"slots": {"latency_ms": 800}, ...}``; routes left out have none."""
        faults = cls()
        faults.merge(data)
        return faults

    def merge(self, data: Mapping[str, Any]) -> None:
        """Set the knobs named in ``data``, leaving the others as they are."""
        if not isinstance(data, Mapping):
            raise ValueError("faults must be an object of routes")
        for name, knobs in data.items():
            if not isinstance(knobs, Mapping):
                raise ValueError(f"faults for {name!r} must be an object of knobs")
            for route in ROUTES if name == ALL else (name,):
                for knob, value in knobs.items():
                    self.route(route).set(knob, value)

    def replace(self, other: Faults) -> None:
        """Take all of ``other``'s settings, keeping this object (others hold it)."""
        for f in fields(self):
            setattr(self, f.name, getattr(other, f.name))

    def apply_spec(self, spec: str) -> None:
        """Apply ``route.knob=value`` (``all.knob=value`` for every route)."""
        target, sep, value = spec.partition("=")
        route, dot, knob = target.strip().partition(".")
        if not sep or not dot or not route or not knob:
            raise ValueError(f"fault {spec!r} must look like slots.latency_ms=800")
        self.merge({route: {knob: value.strip()}})

    @classmethod
    def from_specs(cls, specs: Iterable[str]) -> Faults:
        """Faults from command-line specs such as ``["slots.latency_ms=800"]``."""
        faults = cls()
        for spec in specs:
            faults.apply_spec(spec)
        return faults


class ErrorDice:
    """Deterministic per-route coin flips for ``error_rate``, fixed by the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._rngs = {route: random.Random(f"{seed}:errors:{route}") for route in ROUTES}

    def roll(self, route: str, rate: float) -> bool:
        if rate <= 0.0:
            return False
        if rate >= 1.0:
            return True
        return self._rngs[route].random() < rate
