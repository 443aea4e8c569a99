"""The Reach world (partners X and Y, their listings) for the price-source tests."""

from tests.reach.conftest import (  # noqa: F401  (fixtures)
    _fresh_rotation,
    dataset,
    people,
    tokens,
    viewers,
    world,
)
