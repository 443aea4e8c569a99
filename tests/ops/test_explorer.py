"""The staff explorer: self-hosted GraphiQL, on in development only unless enabled."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from hmsdesk_graph.config import load_settings
from hmsdesk_graph.identity.auth import Role, TokenService
from tests.ops.conftest import AppClient

ROOT = Path(__file__).resolve().parents[2]
HTML = {"Accept": "text/html,application/xhtml+xml"}


async def test_off_outside_development_unless_enabled(app_client: AppClient) -> None:
    async with app_client() as http:  # env=test
        assert (await http.get("/explorer")).status_code == 404
        assert (await http.get("/explorer/static/explorer.js")).status_code == 404
        browser = await http.get("/graphql", headers=HTML)
        # It accepts neither GraphQL response type: 406, as the GraphQL-over-HTTP spec says.
        assert browser.status_code == 406 and browser.json()["errors"]
    assert load_settings({}).explorer_on  # development
    assert not load_settings({"HMSDESK_EXPLORER_ENABLED": "false"}).explorer_on


async def test_page_and_its_files_come_from_the_app(app_client: AppClient) -> None:
    async with app_client(explorer_enabled=True) as http:
        page = await http.get("/explorer")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert (await http.get("/graphql", headers=HTML)).text == page.text
        # A GET with a query is a GraphQL request even from a browser (which accepts */*), and
        # like any GET it needs the CSRF header: a page elsewhere cannot run it for the viewer.
        browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        params = {"query": "{ cities { slug } }"}
        forged = await http.get("/graphql", params=params, headers=browser)
        assert forged.status_code == 400 and "cross-site" in forged.json()["errors"][0]["message"]
        query = await http.get(
            "/graphql", params=params, headers={**browser, "X-HMSDESK-Client": "explorer"}
        )
        assert query.status_code == 200 and query.json()["data"] == {"cities": []}
        assert query.headers["content-type"].startswith("application/graphql-response+json")
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assert sources and all(s.startswith("/explorer/static/") for s in sources)
        for source in sources:
            assert (await http.get(source)).status_code == 200, source
        assert "webSearchPractitioners" in page.text  # committed operations preloaded
        for name in ("graphiql-3.8.3", "react-18.3.1", "react-dom-18.3.1"):
            assert (
                await http.get(f"/explorer/static/vendor/licenses/{name}.LICENSE")
            ).status_code == 200


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.backend("sqlite", reason="a browser test: the database does not matter, one run")
def test_staff_run_a_query_in_headless_chromium(database_url: str, tmp_path: Path) -> None:
    from playwright import sync_api  # the test extra; never downloads a browser

    executable = _chromium()
    if executable is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no chromium on this machine and CI=true: .ci/run installs Debian's")
        pytest.skip("no chromium on this machine (apt-get install chromium; .ci/run does)")

    async def seed() -> None:
        from hmsdesk_graph.db import models
        from hmsdesk_graph.db.connection import close_database, open_database

        await open_database(load_settings({}, database_url=database_url))
        try:
            await models.City.create(slug="pune", name="Pune", state="MH", lat=18.5, lng=73.8)
        finally:
            await close_database()

    asyncio.run(seed())
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HMSDESK_")}
    env.update({"HMSDESK_DATABASE_URL": database_url, "HMSDESK_ENV": "development"})
    server = subprocess.Popen(
        [sys.executable, "-m", "hmsdesk_graph", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        token = TokenService(load_settings({})).mint(Role.INTERNAL, subject="staff:riya")
        requests: list[Any] = []
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, args=["--no-sandbox", "--disable-gpu"]
            )
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.on("request", lambda request: requests.append(request))
            page.goto(f"{base}/graphql", wait_until="networkidle")
            page.fill("#hmsdesk-token", token)
            page.fill("#hmsdesk-purpose", "ticket 4411: booking dispute")
            page.click("#hmsdesk-apply")
            page.wait_for_selector(".graphiql-execute-button")
            page.wait_for_timeout(500)
            page.click(".graphiql-execute-button")
            # (A locator, not wait_for_function: the page's CSP forbids eval, as it should.)
            page.locator(".result-window").filter(has_text="Pune").wait_for(timeout=15000)
            tab_titles = page.inner_text(".graphiql-tabs")
            page.screenshot(path=str(tmp_path / "explorer.png"))
            target = os.environ.get("HMSDESK_EXPLORER_SCREENSHOT")
            if target:
                page.screenshot(path=target)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert all(r.url.startswith(base) for r in requests), [r.url for r in requests]
    posts = [r for r in requests if r.method == "POST" and r.url == f"{base}/graphql"]
    assert posts
    last = posts[-1].headers
    assert last["authorization"] == f"Bearer {token}"
    assert last["x-access-purpose"] == "ticket 4411: booking dispute"
    assert last["x-hmsdesk-client"] == "explorer"
    assert "webSearchPractitioners" in tab_titles
