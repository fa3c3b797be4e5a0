"""How RunPod's answers become `podwarden.errors.RunPodError`s — the one place that decides.

    transport failure (httpx)      -> ConnectFailed (never reached RunPod) / RunPodTimeout
                                      (a URL httpx cannot use is a ConfigError, raised by `_http`)
    budget spent before sending    -> BudgetSpent (never sent; not retryable)
    JSON that does not fit         -> ShapeMismatch (a MalformedResponse that is not retryable:
                                      the same request would get the same answer); only a
                                      body that is not JSON at all is a retryable MalformedResponse
    HTTP status (`error_for_status`, the only status table)
        401, 403                   -> Unauthorized
        402                        -> InsufficientBalance
        404                        -> NotFound
        408                        -> RunPodTimeout
        429                        -> RateLimited(retry_after from Retry-After)
        400, 409, 422, other 4xx   -> BadRequest (GraphQL validation errors included)
        5xx                        -> ServerError
    GraphQL `errors` on HTTP 200 (`error_for_graphql`, classified by RunPod's message)
        "Something went wrong", INTERNAL_SERVER_ERROR   -> ServerError
        "Unauthorized", UNAUTHENTICATED, FORBIDDEN      -> Unauthorized
        "rate limit", "too many requests"              -> RateLimited
        "no longer any instances available",
        "not enough free GPUs", ...                     -> NoCapacity
        "spend limit"                                   -> SpendLimitReached
        "balance"                                       -> InsufficientBalance
        "not found", "does not exist"                   -> NotFound
        anything else                                   -> BadRequest

Every error carries RunPod's own message, the HTTP status and the operation (the port
method, e.g. ``create_pod``). The REST v2 adapter reuses `error_for_status` and
`raise_for_runpod` unchanged: its problem+json bodies give their ``detail`` (and the
``errors`` list of a 422) as the message, and `refine_refusal` reads a 400 (or 402) whose
detail words it as GraphQL does ("no longer any instances available", "spend limit") as
NoCapacity / SpendLimitReached. v2 documents no code and no wording for these: only a
human-readable detail (UNVERIFIED that it is GraphQL's text), so a caller that can move on
(`RestRunPod.create_pod` for any cloud) must not rely on this and treats any 400 as "try
the next candidate", as v2 advises.

Three predicates drive the retry rules of the adapters:

- `not_executed`: RunPod certainly did not act on the request (429, the connection was
  never made, or the budget ran out before sending), so even a create may be sent again;
- `ambiguous`: RunPod may or may not have acted (5xx, read timeout, dropped connection,
  junk answer), so a non-idempotent request must first look whether it took effect;
- `unanswered`: the ambiguous failures with no answer at all (read timeout, dropped
  connection). RunPod may *still be working* on the request, so a listing made now proves
  nothing and a create must not be sent again in the same call.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

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

__all__ = [
    "BudgetSpent",
    "ConnectFailed",
    "ShapeMismatch",
    "ambiguous",
    "error_for_graphql",
    "error_for_status",
    "error_for_transport",
    "excerpt",
    "not_executed",
    "parse_retry_after",
    "raise_for_runpod",
    "refine_refusal",
    "unanswered",
]

EXCERPT_CHARS = 200


class ConnectFailed(RunPodTimeout):
    """The connection to RunPod could not be made, so the request was never sent."""


class BudgetSpent(RunPodTimeout):
    """The operation's time budget ran out before this request could be sent; it was not sent."""

    retryable = False


class ShapeMismatch(MalformedResponse):
    """RunPod answered JSON that does not fit the models (or lacks a value Podwarden needs).

    Not retryable: RunPod would most likely send the same shape again, and the request may
    well have taken effect. A changed API needs a changed adapter, not more attempts.
    """

    retryable = False


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short single-line piece of `text` for an error message."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def error_for_status(
    status: int, message: str, *, operation: str | None, retry_after: float | None = None,
) -> RunPodError:
    """The RunPod error for a non-2xx HTTP status. The only status table in Podwarden."""
    if status in (401, 403):
        return Unauthorized(message, status=status, operation=operation)
    if status == 402:
        return InsufficientBalance(message, status=status, operation=operation)
    if status == 404:
        return NotFound(message, status=status, operation=operation)
    if status == 408:
        return RunPodTimeout(message, status=status, operation=operation)
    if status == 429:
        return RateLimited(message, status=status, operation=operation, retry_after=retry_after)
    if 400 <= status < 500:
        return BadRequest(message, status=status, operation=operation)
    if status >= 500:
        return ServerError(message, status=status, operation=operation)
    return MalformedResponse(f"unexpected HTTP {status}: {message}", status=status, operation=operation)


def raise_for_runpod(response: httpx.Response, operation: str) -> None:
    """Raise the RunPod error for a non-2xx `response`; return quietly on 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    retry_after = None
    if status == 429:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now=_response_date(response))
    raise error_for_status(status, _message_of(response), operation=operation, retry_after=retry_after)


def error_for_graphql(
    errors: Sequence[Mapping[str, object]], *, operation: str, status: int = 200,
) -> RunPodError:
    """The RunPod error for the `errors` array of a GraphQL answer, judged by its first entry."""
    first = errors[0] if errors else {}
    message = str(first.get("message") or "RunPod reported an error without a message")
    extensions = first.get("extensions")
    code = str(extensions.get("code") or "") if isinstance(extensions, Mapping) else ""
    text = message.lower()
    kind: type[RunPodError]
    if code == "INTERNAL_SERVER_ERROR" or "something went wrong" in text:
        kind = ServerError
    elif code in ("UNAUTHENTICATED", "FORBIDDEN") or "unauthorized" in text or "unauthenticated" in text:
        kind = Unauthorized
    elif "rate limit" in text or "too many requests" in text:
        kind = RateLimited
    elif any(phrase in text for phrase in _NO_CAPACITY):
        kind = NoCapacity
    elif "spend limit" in text:
        kind = SpendLimitReached
    elif "balance" in text:
        kind = InsufficientBalance
    elif "not found" in text or "does not exist" in text:
        kind = NotFound
    else:
        kind = BadRequest
    return kind(message, status=status, operation=operation)


_NO_CAPACITY = (
    "no longer any instances available",
    "not enough free gpus",
    "no instances available",
    "no gpus available",
)


def error_for_transport(exc: httpx.RequestError, *, operation: str, timeout: float) -> RunPodError:
    """The RunPod error for an httpx failure that produced no HTTP answer."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return ConnectFailed(f"connection failed: no connection to RunPod within {timeout:g}s",
                             operation=operation)
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return ConnectFailed(f"connection failed: {_describe(exc)}", operation=operation)
    if isinstance(exc, httpx.TimeoutException):
        return RunPodTimeout(f"RunPod did not answer within {timeout:g}s", operation=operation)
    if isinstance(exc, httpx.DecodingError):
        return MalformedResponse(f"undecodable answer: {_describe(exc)}", operation=operation)
    return RunPodTimeout(f"connection dropped before RunPod answered: {_describe(exc)}", operation=operation)


def not_executed(exc: RunPodError) -> bool:
    """RunPod certainly did not act on the request: it may be sent again, whatever it was."""
    return isinstance(exc, RateLimited | ConnectFailed | BudgetSpent)


def ambiguous(exc: RunPodError) -> bool:
    """RunPod may have acted on the request although the answer says failure (or is missing)."""
    return isinstance(exc, ServerError | RunPodTimeout | MalformedResponse) and not not_executed(exc)


def unanswered(exc: RunPodError) -> bool:
    """No answer came back (read timeout, dropped connection): RunPod may still be working on it.

    After a 5xx or a junk body RunPod has finished with the request, so what a listing shows
    is final; after no answer at all it is not.
    """
    return isinstance(exc, RunPodTimeout) and exc.status is None and not not_executed(exc)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def _response_date(response: httpx.Response) -> datetime:
    """The server's own clock (Date header) if it sent one, so HTTP-date Retry-After is exact."""
    header = response.headers.get("Date")
    if header:
        try:
            when = parsedate_to_datetime(header)
        except (TypeError, ValueError, IndexError):
            when = None
        if when is not None:
            return when if when.tzinfo else when.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _message_of(response: httpx.Response) -> str:
    """RunPod's message from an error body: GraphQL `errors`, REST `message`/`detail`, serverless `error`."""
    reason = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        text = response.content.decode("utf-8", errors="replace").strip()
        return excerpt(text) if text else reason
    found = _find_message(body)
    return excerpt(found) if found else reason


def _find_message(body: object) -> str | None:
    problem = _problem_message(body)
    if problem is not None:
        return problem
    if isinstance(body, Mapping):
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            first = errors[0]
            if isinstance(first, Mapping) and first.get("message"):
                return str(first["message"])
            if isinstance(first, str):
                return first
        for key in ("message", "detail", "error", "title"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return value
            if isinstance(value, Mapping):
                nested = _find_message(value)
                if nested:
                    return nested
    if isinstance(body, str) and body:
        return body
    return None


def _problem_message(body: object) -> str | None:
    """REST v2's problem+json (``title``, ``status``, ``detail``): the detail, then the
    validation list (``errors``) if any, so a 422 names what RunPod refused."""
    if not isinstance(body, Mapping) or not isinstance(body.get("detail"), str) or "title" not in body:
        return None
    detail = str(body["detail"]) or str(body.get("title") or "")
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        listed = "; ".join(_listed_error(item) for item in errors if item)
        return f"{detail}: {listed}" if detail else listed
    return detail or None


def _listed_error(item: object) -> str:
    if isinstance(item, Mapping):
        text = item.get("message") or item.get("detail") or ""
        where = item.get("field") or item.get("location") or item.get("pointer")
        return f"{where}: {text}" if where else str(text)
    return str(item)


def refine_refusal(exc: RunPodError) -> RunPodError:
    """REST v2 refuses for lack of capacity (or over the spend limit) with a plain 400, or a
    402, and no code: a `BadRequest` (400) or `InsufficientBalance` (402) in RunPod's words
    for that becomes `NoCapacity` (`SpendLimitReached`), judged like a GraphQL error's
    message. Any other error is returned as it is."""
    if (type(exc), exc.status) not in ((BadRequest, 400), (InsufficientBalance, 402)):
        return exc
    judged = error_for_graphql([{"message": exc.message}], operation=exc.operation or "", status=exc.status or 400)
    if isinstance(judged, NoCapacity | SpendLimitReached):
        judged.operation = exc.operation
        return judged
    return exc


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {excerpt(text, 120)}" if text else type(exc).__name__
