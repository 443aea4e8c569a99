"""The sandbox over real HTTP: contracts, fault knobs, control routes, and the blocking runner."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import aiohttp

from hmsdesk_graph.sandbox import Faults, RunningSandbox, start_sandbox

BATCH = {"roleIds": [1, 2], "from": "2026-11-25", "days": 2}


async def test_slots_batch_contract(sandbox: RunningSandbox, client: aiohttp.ClientSession) -> None:
    url = f"{sandbox.url}/practice/slots:batch"
    async with client.post(url, json={**BATCH, "roleIds": [1, 101, 2]}) as response:
        assert response.status == 200
        body = await response.json()
    assert set(body["slots"]) == {"1", "2"}  # 101 is not on the practice system
    assert body["slots"]["1"][0].endswith("+05:30")
    for bad in (
        {**BATCH, "roleIds": "1,2"},
        {**BATCH, "roleIds": [True]},
        {**BATCH, "days": 0},
        {**BATCH, "from": "25/11/2026"},
        {**BATCH, "roleIds": list(range(1001))},
    ):
        async with client.post(url, json=bad) as response:
            assert response.status == 400
    async with client.post(url, data=b"{not json") as response:
        assert response.status == 400
    assert sandbox.calls["slots"] == 7


async def test_messaging_requires_an_idempotency_key(
    sandbox: RunningSandbox, client: aiohttp.ClientSession
) -> None:
    message = {
        "template": "booking_cancellation",
        "to": "pat_x8k2m9q4",
        "params": {"appointment_ref": "apt_7Hq2k9Xz"},
    }
    url = f"{sandbox.url}/messaging/send"
    async with client.post(url, json=message) as response:
        assert response.status == 400
    headers = {"Idempotency-Key": "cancel-apt-0001"}
    async with client.post(url, json=message, headers=headers) as response:
        assert response.status == 202
        receipt = await response.json()
    async with client.post(url, json=message, headers=headers) as response:
        assert response.status == 200
        assert await response.json() == receipt
    async with client.post(url, json={**message, "template": "promo"}, headers=headers) as response:
        assert response.status == 422
    async with client.get(f"{sandbox.url}/_control/messages") as response:
        messages = await response.json()
    assert [m["messageId"] for m in messages] == [receipt["messageId"]]


async def test_control_routes(sandbox: RunningSandbox, client: aiohttp.ClientSession) -> None:
    control = f"{sandbox.url}/_control"
    async with client.put(f"{control}/faults", json={"slots": {"error_rate": 1}}) as response:
        assert response.status == 200
    assert sandbox.faults.slots.error_rate == 1.0
    async with client.post(f"{sandbox.url}/practice/slots:batch", json=BATCH) as response:
        assert response.status == 500

    async with client.patch(f"{control}/faults", json={"all": {"latency_ms": 5}}) as response:
        faults = await response.json()
    assert faults["slots"]["error_rate"] == 1.0  # PATCH keeps what it does not name
    assert faults["feeds"]["latency_ms"] == 5
    async with client.put(f"{control}/faults", json={"feeds": {"hang": "sometimes"}}) as response:
        assert response.status == 400
        assert "hang" in (await response.json())["error"]
    async with client.put(f"{control}/faults", json={"telephony": {"hang": True}}) as response:
        faults = await response.json()
    assert faults["slots"]["error_rate"] == 0.0  # PUT replaces everything
    assert sandbox.faults.telephony.hang

    async with client.get(f"{control}/calls") as response:
        assert await response.json() == {"slots": 1, "telephony": 0, "messaging": 0, "feeds": 0}
    async with client.delete(f"{control}/calls") as response:
        assert (await response.json())["slots"] == 0
    async with client.post(f"{control}/reset") as response:
        assert response.status == 200
    assert sandbox.faults == Faults()


async def test_faults_given_at_start(client: aiohttp.ClientSession) -> None:
    faults = Faults.from_specs(["slots.malformed=true"])
    sandbox = await start_sandbox(faults=faults)
    try:
        async with client.post(f"{sandbox.url}/practice/slots:batch", json=BATCH) as response:
            assert response.status == 200
            body = await response.read()
    finally:
        await sandbox.close()
    assert body.startswith(b'{"slots"')
    assert not body.rstrip().endswith(b"}")


async def test_closing_releases_hung_calls(client: aiohttp.ClientSession) -> None:
    sandbox = await start_sandbox(faults=Faults.from_specs(["slots.hang=true"]))
    url = f"{sandbox.url}/practice/slots:batch"
    hung = asyncio.create_task(client.post(url, json=BATCH))
    while sandbox.calls["slots"] == 0:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    await sandbox.close()
    assert time.monotonic() - started < 5
    try:
        response = await asyncio.wait_for(hung, 5)
        response.release()
    except aiohttp.ClientError:
        pass  # the connection may simply be closed


def test_run_sandbox_blocks_until_signalled(tmp_path: Path) -> None:
    code = (
        "from hmsdesk_graph.sandbox import Faults, run_sandbox\n"
        "run_sandbox('127.0.0.1', 0, Faults.from_specs(['slots.latency_ms=10']))\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("partner sandbox listening on http://127.0.0.1:")
        url = first.split(" on ", 1)[1].strip()

        async def probe() -> dict[str, int]:
            async with (
                aiohttp.ClientSession() as session,
                session.get(f"{url}/_control/calls") as response,
            ):
                calls: dict[str, int] = await response.json()
                return calls

        assert asyncio.run(probe())["slots"] == 0
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "faults on slots: latency_ms=10" in process.stdout.read()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
