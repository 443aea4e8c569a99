"""The garbage collector while the app runs: what startup built is frozen out of collections
and the young threshold raised; cycles are still collected; all as before once the app stops,
and nothing touched when the setting is 0."""

from __future__ import annotations

import gc
import weakref
from dataclasses import replace
from typing import Any

from hmsdesk_graph.app import create_app
from hmsdesk_graph.config import Settings


class _Node:
    def __init__(self) -> None:
        self.other: Any = None


def _cycle() -> weakref.ref[_Node]:
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return weakref.ref(a)


async def test_startup_is_frozen_and_the_young_threshold_raised_until_the_app_stops(
    settings: Settings,
) -> None:
    before = gc.get_threshold()
    assert gc.get_freeze_count() == 0
    application = create_app(replace(settings, gc_young_threshold=40_000))
    async with application.router.lifespan_context(application):
        assert gc.get_threshold() == (40_000, before[1], before[2])
        assert gc.get_freeze_count() > 10_000  # the schema, models, modules …
        # The collector still runs by itself: a cycle made while serving is freed once enough
        # new objects have been allocated, with no explicit gc.collect().
        dead = _cycle()
        assert dead() is not None
        garbage = [{} for _ in range(200_000)]
        del garbage
        assert dead() is None
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


async def test_zero_leaves_the_collector_alone(settings: Settings) -> None:
    before = gc.get_threshold()
    application = create_app(replace(settings, gc_young_threshold=0))
    async with application.router.lifespan_context(application):
        assert gc.get_threshold() == before
        assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
