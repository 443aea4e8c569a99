"""A diagnostic center's collection windows: opening hours, window length and places.

NULL columns (centers migrated before hours were published) read as the defaults here.
"""

from __future__ import annotations

from hmsdesk_graph.db import models
from hmsdesk_graph.db.enums import VisitKind

DEFAULT_WINDOW_MINUTES = 60
DEFAULT_CAPACITY = 4
DEFAULT_HOME_CAPACITY = 2
_ALL_DAY = {day: [["00:00", "24:00"]] for day in ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")}


def window_minutes(center: models.DiagnosticCenter) -> int:
    return center.collection_window_minutes or DEFAULT_WINDOW_MINUTES


def window_capacity(center: models.DiagnosticCenter, kind: VisitKind) -> int:
    """Places per window: visits at the center, or home collections (0 without the service)."""
    if kind is VisitKind.HOME_COLLECTION:
        if not center.home_collection:
            return 0
        cap = center.home_collection_capacity
        return DEFAULT_HOME_CAPACITY if cap is None else cap
    return DEFAULT_CAPACITY if center.collection_capacity is None else center.collection_capacity


def opening_hours(center: models.DiagnosticCenter) -> dict[str, list[list[str]]]:
    """The center's weekly hours; a 24x7 center without published hours is open all day."""
    if center.weekly_hours:
        return dict(center.weekly_hours)
    return _ALL_DAY if center.open_24x7 else {}
