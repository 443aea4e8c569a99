"""Ops tests build the real app with their own settings (CORS, metrics access, explorer)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest

from tests.conftest import base_settings

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_client(database_url: str) -> AppClient:
    """`async with app_client(client=("10.0.0.9", 4000), **settings) as http:` — a real app
    with its lifespan on this test's database, reached as if from that client address."""

    @asynccontextmanager
    async def open_client(
        client: tuple[str, int] = ("127.0.0.1", 50000), **overrides: Any
    ) -> AsyncIterator[httpx.AsyncClient]:
        from hmsdesk_graph.app import create_app

        application = create_app(base_settings(database_url=database_url, **overrides))
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application, client=client)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
                yield c

    return open_client
