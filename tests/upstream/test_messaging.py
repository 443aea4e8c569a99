"""MessagingClient: fixed templates, checked params, and an idempotency key for safe retries."""

from __future__ import annotations

import pytest

from hmsdesk_graph.sandbox import RunningSandbox
from hmsdesk_graph.upstream import (
    TEMPLATES,
    ConnectionFailed,
    InvalidMessage,
    RequestRejected,
    ServerError,
    Upstreams,
)
from hmsdesk_graph.upstream.messaging import idempotency_key
from tests.upstream.conftest import FAST

FEEDBACK = {"appointment_ref": "apt_7Hq2k9Xz", "practitioner_slug": "dr-anita-deshpande"}
PATIENT = "pat_x8k2m9q4"


async def test_same_message_twice_is_recorded_once(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    first = await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK)
    second = await upstreams.messaging.send("feedback_request", PATIENT, dict(FEEDBACK))
    assert first == second
    assert first.status == "QUEUED"
    assert sandbox.calls["messaging"] == 2
    assert len(sandbox.messages) == 1
    recorded = sandbox.messages[0]
    assert recorded.template == "feedback_request"
    assert recorded.params == FEEDBACK


async def test_an_explicit_key_wins_and_different_keys_are_different_messages(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    a = await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK, key="fb-apt-0001")
    b = await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK, key="fb-apt-0002")
    assert a.message_id != b.message_id
    assert [m.key for m in sandbox.messages] == ["fb-apt-0001", "fb-apt-0002"]


async def test_a_key_reused_for_another_message_is_rejected(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK, key="fb-apt-0001")
    with pytest.raises(RequestRejected) as caught:
        await upstreams.messaging.send(
            "booking_cancellation", PATIENT, {"appointment_ref": "apt_7Hq2k9Xz"}, key="fb-apt-0001"
        )
    assert caught.value.status == 422
    assert sandbox.calls["messaging"] == 2


async def test_a_lost_receipt_is_retried_with_the_same_key(
    upstreams: Upstreams, sandbox: RunningSandbox
) -> None:
    # The sandbox records the message, then cuts the answer off: the client cannot know.
    sandbox.faults.messaging.truncated = True
    with pytest.raises(ConnectionFailed):
        await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK)
    assert sandbox.calls["messaging"] == FAST["upstream_max_attempts"]
    assert len(sandbox.messages) == 1

    sandbox.faults.messaging.truncated = False
    receipt = await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK)
    assert receipt.message_id == sandbox.messages[0].message_id
    assert len(sandbox.messages) == 1


async def test_server_errors_are_retried(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    sandbox.faults.messaging.error_rate = 1.0
    with pytest.raises(ServerError):
        await upstreams.messaging.send("feedback_request", PATIENT, FEEDBACK)
    assert sandbox.calls["messaging"] == FAST["upstream_max_attempts"]
    assert sandbox.messages == []


@pytest.mark.parametrize(
    ("template", "to", "params"),
    [
        ("free_text", PATIENT, {"body": "hello"}),
        ("feedback_request", PATIENT, {**FEEDBACK, "note": "Get well soon, Ramesh"}),
        ("feedback_request", PATIENT, {"appointment_ref": "apt_7Hq2k9Xz"}),
        ("feedback_request", PATIENT, {**FEEDBACK, "appointment_ref": "9876543210"}),
        ("feedback_request", PATIENT, {**FEEDBACK, "practitioner_slug": "Dr Anita, 98765 43210"}),
        ("feedback_request", PATIENT, {**FEEDBACK, "locale": "fr"}),
        ("booking_confirmation", PATIENT, {"appointment_ref": "apt_7Hq2k9Xz", "slot_at": "9am"}),
        ("feedback_request", "+919876543210", FEEDBACK),
        ("feedback_request", "ramesh@example.com", FEEDBACK),
        ("feedback_request", "9876543210", FEEDBACK),
    ],
)
async def test_templates_reject_what_they_do_not_declare(
    upstreams: Upstreams,
    sandbox: RunningSandbox,
    template: str,
    to: str,
    params: dict[str, str],
) -> None:
    with pytest.raises(InvalidMessage) as caught:
        await upstreams.messaging.send(template, to, params)
    assert sandbox.calls["messaging"] == 0
    # The refused value itself is never echoed back.
    assert "Ramesh" not in str(caught.value)
    assert "98765" not in str(caught.value)


async def test_every_template_can_be_sent(upstreams: Upstreams, sandbox: RunningSandbox) -> None:
    examples = {
        "appointment_ref": "apt_7Hq2k9Xz",
        "practitioner_slug": "dr-anita-deshpande",
        "hospital_slug": "ruby-hall-clinic",
        "slot_at": "2026-11-26T10:15:00+05:30",
        "locale": "mr",
    }
    for name, template in TEMPLATES.items():
        params = {key: examples[key] for key in template.required}
        receipt = await upstreams.messaging.send(name, PATIENT, params)
        assert receipt.status == "QUEUED"
    assert len(sandbox.messages) == len(TEMPLATES)


def test_derived_keys_depend_on_content_not_order() -> None:
    a = idempotency_key("feedback_request", PATIENT, FEEDBACK)
    b = idempotency_key("feedback_request", PATIENT, dict(reversed(list(FEEDBACK.items()))))
    c = idempotency_key("feedback_request", "pat_other123", FEEDBACK)
    assert a == b
    assert a != c
    assert PATIENT not in a
