"""The one mapping from RunPod's answers to RunPodErrors: statuses, GraphQL errors, transport failures.

These use tiny hand-written handlers for answers the simulator has no reason to produce
(a 402, a 403, an HTTP-date Retry-After, a body that is not JSON at all); the same kinds are
exercised against the simulator in test_runpod_graphql_sim.py and test_runpod_faults_sim.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy
from podwarden.adapters.runpod.errors import (
    BudgetSpent,
    ConnectFailed,
    ShapeMismatch,
    ambiguous,
    error_for_graphql,
    error_for_status,
    not_executed,
    parse_retry_after,
    unanswered,
)
from podwarden.errors import (
    BadRequest,
    InsufficientBalance,
    MalformedResponse,
    NoCapacity,
    NotFound,
    RateLimited,
    RunPodError,
    RunPodTimeout,
    ServerError,
    SpendLimitReached,
    Unauthorized,
)
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, FakeTime

Handler = Callable[[httpx.Request], httpx.Response]


def adapter(handler: Handler) -> GraphQLRunPod:
    return GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=RetryPolicy.never(),
                         transport=httpx.MockTransport(handler))


def answering(status: int, body: object = None, *, headers: dict[str, str] | None = None,
              content: bytes | None = None) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        if content is not None:
            return httpx.Response(status, content=content, headers=headers)
        return httpx.Response(status, json=body, headers=headers)

    return handler


@pytest.mark.parametrize(("status", "kind"), [
    (400, BadRequest), (401, Unauthorized), (402, InsufficientBalance), (403, Unauthorized),
    (404, NotFound), (408, RunPodTimeout), (409, BadRequest), (422, BadRequest), (429, RateLimited),
    (500, ServerError), (502, ServerError), (503, ServerError),
])
def test_every_status_maps_to_its_error(status: int, kind: type[RunPodError]) -> None:
    error = error_for_status(status, "said RunPod", operation="op")
    assert type(error) is kind
    assert (error.message, error.status, error.operation) == ("said RunPod", status, "op")


def test_a_graphql_validation_error_is_a_bad_request_with_the_servers_message() -> None:
    message = 'Field "objectMounts" is not defined by type "PodFindAndDeployOnDemandInput".'
    body = {"errors": [{"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}]}
    with adapter(answering(400, body)) as runpod, pytest.raises(BadRequest) as raised:
        runpod.account()
    assert "objectMounts" in raised.value.message
    assert raised.value.status == 400
    assert raised.value.operation == "account"


@pytest.mark.parametrize(("message", "code", "kind"), [
    ("There are no longer any instances available with the requested specifications. "
     "Please refresh and try again.", "RUNPOD", NoCapacity),
    ("There are not enough free GPUs on the host machine to start this pod.", "RUNPOD", NoCapacity),
    ("Spend limit exceeded: this pod would take you over $80.00/hr", "RUNPOD", SpendLimitReached),
    ("Insufficient balance to deploy this pod", "RUNPOD", InsufficientBalance),
    ("pod not found", "RUNPOD", NotFound),
    ("Endpoint does not exist", "RUNPOD", NotFound),
    ("Something went wrong. Please try again later or contact support.", "INTERNAL_SERVER_ERROR",
     ServerError),
    ("oops", "INTERNAL_SERVER_ERROR", ServerError),
    ("Unauthorized", None, Unauthorized),
    ("Too many requests, rate limit exceeded", None, RateLimited),
    ("Template name must be unique", "RUNPOD", BadRequest),
])
def test_graphql_errors_are_classified_by_message(
    message: str, code: str | None, kind: type[RunPodError],
) -> None:
    entry: dict[str, object] = {"message": message, "path": ["podFindAndDeployOnDemand"]}
    if code:
        entry["extensions"] = {"code": code}
    error = error_for_graphql([entry], operation="create_pod")
    assert type(error) is kind
    assert error.message == message
    assert error.status == 200


def test_a_200_with_errors_raises_even_with_partial_data() -> None:
    body = {"errors": [{"message": "pod not found", "path": ["pod"], "extensions": {"code": "RUNPOD"}}],
            "data": {"pod": None}}
    with adapter(answering(200, body)) as runpod, pytest.raises(NotFound, match="pod not found"):
        runpod.get_pod("nope")


def test_retry_after_in_seconds_and_as_an_http_date() -> None:
    now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("1.5", now=now) == 1.5
    assert parse_retry_after(format_datetime(now + timedelta(seconds=42), usegmt=True), now=now) == 42.0
    assert parse_retry_after(format_datetime(now - timedelta(seconds=5), usegmt=True), now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None, now=now) is None


def test_a_429_carries_retry_after_measured_against_the_servers_date() -> None:
    server_now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    headers = {"Retry-After": format_datetime(server_now + timedelta(seconds=12), usegmt=True),
               "Date": format_datetime(server_now, usegmt=True)}
    with adapter(answering(429, {"errors": [{"message": "slow down"}]}, headers=headers)) as runpod, \
            pytest.raises(RateLimited) as raised:
        runpod.list_pods()
    assert raised.value.retry_after == 12.0
    assert raised.value.message == "slow down"


@pytest.mark.parametrize("content", [b"<html>Bad Gateway</html>", b"", b"{\"data\": ", b"\xff\xfe"])
def test_junk_on_200_is_malformed_with_a_short_excerpt(content: bytes) -> None:
    with adapter(answering(200, content=content)) as runpod, pytest.raises(MalformedResponse) as raised:
        runpod.list_pods()
    assert raised.value.retryable
    assert len(raised.value.message) < 200


@pytest.mark.parametrize("body", [
    [1, 2, 3],
    {"data": None},
    {"data": {"myself": {"pods": [{"id": "p1"}]}}},
    {"data": {"myself": {"pods": "nope"}}},
])
def test_a_wrong_shape_is_malformed_not_retried_and_logged(
    body: object, fake_time: FakeTime, caplog: pytest.LogCaptureFixture,
) -> None:
    """JSON that does not fit would come back the same: one request, an error log naming the operation."""
    requests: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, json=body)

    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=httpx.MockTransport(handler)) \
            as runpod, caplog.at_level("ERROR", logger="podwarden.runpod"), \
            pytest.raises(MalformedResponse) as raised:
        runpod.list_pods()
    assert isinstance(raised.value, ShapeMismatch)
    assert not raised.value.retryable
    assert len(requests) == 1
    assert fake_time.sleeps == []
    [record] = caplog.records
    assert record.getMessage().startswith("list_pods: RunPod's answer does not fit")


def test_junk_is_retried_but_a_wrong_shape_is_not(fake_time: FakeTime) -> None:
    answers = [httpx.Response(200, content=b"<html>oops</html>"),
               httpx.Response(200, json={"data": {"myself": {"id": "u", "clientBalance": 3}}})]

    def handler(request: httpx.Request) -> httpx.Response:
        return answers.pop(0)

    policy = RetryPolicy(sleep=fake_time.sleep, clock=fake_time.clock)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy,
                       transport=httpx.MockTransport(handler)) as runpod:
        assert runpod.account().id == "u"
    assert len(fake_time.sleeps) == 1


def test_a_non_json_error_body_still_maps_by_status() -> None:
    with adapter(answering(502, content=b"<html>502 Bad Gateway</html>")) as runpod, \
            pytest.raises(ServerError, match="502 Bad Gateway"):
        runpod.account()


def test_myself_null_means_the_key_is_not_accepted() -> None:
    with adapter(answering(200, {"data": {"myself": None}})) as runpod, pytest.raises(Unauthorized):
        runpod.account()


@pytest.mark.parametrize(("exc", "kind", "sent"), [
    (httpx.ConnectError("refused"), ConnectFailed, False),
    (httpx.ConnectTimeout("slow connect"), ConnectFailed, False),
    (httpx.PoolTimeout("pool"), ConnectFailed, False),
    (httpx.ReadTimeout("slow read"), RunPodTimeout, True),
    (httpx.WriteTimeout("slow write"), RunPodTimeout, True),
    (httpx.RemoteProtocolError("peer closed connection"), RunPodTimeout, True),
    (httpx.ReadError("reset"), RunPodTimeout, True),
])
def test_transport_failures(exc: httpx.RequestError, kind: type[RunPodError], sent: bool) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    with adapter(handler) as runpod, pytest.raises(kind) as raised:
        runpod.list_pods()
    assert type(raised.value) is kind
    assert raised.value.retryable
    assert ambiguous(raised.value) is sent
    assert unanswered(raised.value) is sent
    assert not_executed(raised.value) is not sent
    if not sent:
        assert raised.value.message.startswith("connection failed")


def test_the_key_is_scrubbed_from_messages_that_echo_it() -> None:
    body = {"errors": [{"message": f"Invalid API key {API_KEY}"}]}
    with adapter(answering(401, body)) as runpod, pytest.raises(Unauthorized) as raised:
        runpod.account()
    assert API_KEY not in str(raised.value)
    assert API_KEY not in repr(raised.value.args)
    assert "[redacted]" in raised.value.message
    junk = f"<html>key={API_KEY}</html>".encode()
    with adapter(answering(200, content=junk)) as runpod, pytest.raises(MalformedResponse) as malformed:
        runpod.account()
    assert API_KEY not in str(malformed.value)


def test_an_unauthorized_200_body_is_read_from_the_errors_array() -> None:
    body = {"errors": [{"message": "Unauthorized", "extensions": {"code": "UNAUTHENTICATED"}}], "data": None}
    with adapter(answering(200, body)) as runpod, pytest.raises(Unauthorized):
        runpod.account()


def test_error_bodies_of_other_shapes_give_their_message() -> None:
    for body, expected in [
        ({"message": "Pod not found"}, "Pod not found"),
        ({"title": "Not Found", "status": 404, "detail": "resource not found"}, "resource not found"),
        ({"error": "endpoint not found"}, "endpoint not found"),
        ({"error": {"message": "nested"}}, "nested"),
    ]:
        with adapter(answering(404, content=json.dumps(body).encode())) as runpod, \
                pytest.raises(NotFound) as raised:
            runpod.account()
        assert raised.value.message == expected


def test_what_the_predicates_say_about_answered_failures_and_a_spent_budget() -> None:
    answered = [ServerError("x", status=500), MalformedResponse("junk", status=200),
                RunPodTimeout("408", status=408)]
    for error in answered:
        assert ambiguous(error)
        assert not unanswered(error)  # RunPod answered: what a listing shows now is final
    spent = BudgetSpent("no time left")
    assert not_executed(spent)
    assert not spent.retryable
    assert not ambiguous(spent)
    assert not unanswered(spent)
