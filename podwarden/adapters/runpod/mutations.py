"""How a RunPod write is retried without ever being done twice: `MutatingAdapter`.

The rules are the GraphQL adapter's (see `graphql.py`'s table), lifted into a base class
so the REST v2 adapter keeps them word for word:

- `_idempotent`: a write that may be sent again (stop, resume, an endpoint's full
  replace); after an ambiguous failure `reconcile` first looks whether it took effect.
- `_create`: a write that must never make two of a thing. After a 429 or no connection it
  is sent again (RunPod did not act); after a 5xx or a junk answer the listing is final, so
  `find` looks for this create's result first; after no answer at all RunPod may still be
  working, so it is never sent again in the same call: `find` is polled (`_await_outcome`)
  and `OutcomeUnknown` raised if nothing shows up.

`GraphQLRunPod` still carries its own copy of these three methods; it can inherit this class
instead and drop them (a pure refactor, covered by tests/adapters/runpod).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from podwarden.adapters.runpod._http import RunPodAdapter
from podwarden.adapters.runpod.errors import ambiguous, unanswered
from podwarden.adapters.runpod.retry import Deadline
from podwarden.errors import OutcomeUnknown, RunPodError

__all__ = ["MutatingAdapter", "Step"]

log = logging.getLogger("podwarden.runpod")

T = TypeVar("T")

Step = Callable[[Deadline], T]


class MutatingAdapter(RunPodAdapter):
    """A `RunPodAdapter` with the write rules: idempotent writes reconciled, creates never doubled."""

    def _idempotent(self, operation: str, send: Step[T], *, reconcile: Step[T | None] | None = None) -> T:
        """An idempotent write, retried; after an ambiguous failure `reconcile` (if given)
        first looks whether the earlier attempt already took effect, and returns that."""
        suspect = False

        def attempt(d: Deadline) -> T:
            nonlocal suspect
            if suspect and reconcile is not None:
                done = reconcile(d)
                if done is not None:
                    log.info("%s: the earlier attempt took effect; not sending it again", operation)
                    return done
            try:
                return send(d)
            except RunPodError as exc:
                suspect = suspect or ambiguous(exc)
                raise

        return self._run(operation, attempt)

    def _create(
        self, operation: str, send: Step[T], find: Step[T | None], *,
        what: str, request: str | None, deadline: Deadline, look_first: bool = False,
    ) -> T:
        """A create that never makes two of `what`; `find` looks for this create's result.
        `look_first`: `find` before the first attempt too (the caller's idempotency key)."""
        look = look_first
        label = f"request {request}" if request is not None else f"this {what}"

        def attempt(d: Deadline) -> T:
            nonlocal look
            if look:
                found = find(d)
                if found is not None:
                    log.info("%s: found the %s of %s; not sending the create again", operation, what, label)
                    return found
                look = False
            try:
                return send(d)
            except RunPodError as exc:
                if unanswered(exc):
                    return self._await_outcome(operation, find, d, what=what, request=request, cause=exc)
                look = ambiguous(exc)
                raise

        return self._run(operation, attempt, deadline=deadline)

    def _await_outcome(
        self, operation: str, find: Step[T | None], deadline: Deadline, *,
        what: str, request: str | None, cause: RunPodError,
    ) -> T:
        """After a create that got no answer: poll `find`, or raise `OutcomeUnknown`."""
        label = f"request {request}" if request is not None else f"{what} of this name"
        until = min(deadline.clock() + self._http.timeout, deadline.at)
        log.warning("%s: no answer from RunPod (%s); not sending it again, looking for the %s of %s",
                    operation, cause, what, label)
        found = self._retry.poll(operation, lambda: find(deadline), until=until)
        if found is not None:
            log.info("%s: the %s of %s showed up", operation, what, label)
            return found
        raise OutcomeUnknown(
            f"RunPod did not answer the create in time; no second {what} was requested — "
            f"check `{what}s` in a minute ({label})",
            operation=operation, request=request,
        ) from cause
