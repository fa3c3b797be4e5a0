"""How a RunPod write is retried without ever being done twice: `MutatingAdapter`.

The write rules of both management adapters (`GraphQLRunPod`, `RestRunPod`), in one place
so the two APIs cannot drift apart:

- `_idempotent`: a write that may be sent again (stop, resume, an endpoint's full
  replace); after an ambiguous failure `reconcile` first looks whether it took effect
  (for stop and resume: `_pod_if`, the pod already in the state the write leads to).
- `_create`: a write that must never make two of a thing. After a 429 or no connection it
  is sent again (RunPod did not act); after a 5xx or a junk answer the listing is final, so
  `find` looks for this create's result first; after no answer at all RunPod may still be
  working, so it is never sent again in the same call: `find` is polled (`_await_outcome`)
  and `OutcomeUnknown` raised if nothing shows up. Pods and endpoints are found by the
  request token in their env (`_pod_of_request`, `_endpoint_of_request`).
- `_terminate`: NotFound after an attempt that may have gone through is success (that
  attempt terminated the pod), and so is a 409 whose pod reads terminated (REST v2).

The finds and reconciles read through each API's single attempts, which a subclass provides:
`_list_pods_once`, `_get_pod_once`, `_list_endpoints_once`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from podwarden.adapters.runpod._http import RunPodAdapter
from podwarden.adapters.runpod.errors import ambiguous, unanswered
from podwarden.adapters.runpod.inputs import REQUEST_ENV
from podwarden.adapters.runpod.retry import Deadline
from podwarden.domain.models import Endpoint, Pod, PodStatus
from podwarden.errors import BadRequest, NotFound, OutcomeUnknown, RunPodError

__all__ = ["MutatingAdapter", "Step", "TaggedEndpoint"]

log = logging.getLogger("podwarden.runpod")

T = TypeVar("T")

Step = Callable[[Deadline], T]


class TaggedEndpoint(Protocol):
    """An endpoint as an API lists it: with its env, which the domain `Endpoint` does not carry."""

    def env_value(self, key: str) -> str | None: ...

    def to_domain(self) -> Endpoint: ...


class MutatingAdapter(RunPodAdapter):
    """A `RunPodAdapter` with the write rules: idempotent writes reconciled, creates never doubled."""

    # --- the single attempts the rules read with (one request each, no retry) -----------

    def _list_pods_once(self, operation: str, deadline: Deadline) -> list[Pod]:
        """The account's pods, terminated ones left out."""
        raise NotImplementedError

    def _get_pod_once(self, pod_id: str, operation: str, deadline: Deadline) -> Pod:
        """The pod; NotFound (naming `pod_id`) if it is not there or terminated."""
        raise NotImplementedError

    def _list_endpoints_once(self, operation: str, deadline: Deadline) -> Sequence[TaggedEndpoint]:
        """The account's endpoints, with their env."""
        raise NotImplementedError

    # --- finds and reconciles ---------------------------------------------------------

    def _pod_if(self, pod_id: str, status: PodStatus, operation: str, deadline: Deadline) -> Pod | None:
        """The pod if it already is in `status` (a stop or resume that took effect), else None."""
        pod = self._get_pod_once(pod_id, operation, deadline)
        return pod if pod.status is status else None

    def _pod_of_request(self, token: str, operation: str, deadline: Deadline) -> Pod | None:
        """The pod a create tagged with `token` made, if it is listed."""
        found = [pod for pod in self._list_pods_once(operation, deadline) if dict(pod.env).get(REQUEST_ENV) == token]
        if len(found) > 1:
            log.warning("%s: %d pods carry request %s; returning the first", operation, len(found), token)
        return found[0] if found else None

    def _endpoint_of_request(self, token: str, operation: str, deadline: Deadline) -> Endpoint | None:
        """The endpoint a create tagged with `token` made, if it is listed."""
        found = [ep for ep in self._list_endpoints_once(operation, deadline) if ep.env_value(REQUEST_ENV) == token]
        return found[0].to_domain() if found else None

    # --- the rules ----------------------------------------------------------------------

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

    def _terminate(self, operation: str, pod_id: str, send: Step[object], *,
                   gone: Step[bool] | None = None) -> None:
        """Terminate a pod with `send`. NotFound on a retry after an attempt that may have gone
        through is success: that attempt terminated it (or the pod was never there, which leaves
        the same state). NotFound at the first attempt names the pod (RunPod's text does not).

        An API that answers a terminated pod's terminate with a conflict (409: REST v2, whose
        pod may still be listed TERMINATED) gives `gone`, which reads whether the pod is
        terminated or not there; after an attempt that may have gone through, a 409 whose pod
        is `gone` is success too, any other 409 is raised."""
        maybe_done = False

        def attempt(d: Deadline) -> None:
            nonlocal maybe_done
            try:
                send(d)
            except NotFound as exc:
                if not maybe_done:
                    raise NotFound(f"pod {pod_id} not found to terminate", status=exc.status,
                                   operation=operation) from None
                log.info("%s: pod %s is gone; an earlier attempt terminated it", operation, pod_id)
            except BadRequest as exc:
                if not (maybe_done and exc.status == 409 and gone is not None and gone(d)):
                    raise
                log.info("%s: pod %s is terminated; an earlier attempt did it", operation, pod_id)
            except RunPodError as exc:
                maybe_done = maybe_done or ambiguous(exc)
                raise

        self._run(operation, attempt)

    def _create(
        self, operation: str, send: Step[T], find: Step[T | None], *,
        what: str, request: str | None, deadline: Deadline, look_first: bool = False,
    ) -> T:
        """A create that never makes two of `what`. `find` looks for this create's result.

        - 429, no connection: RunPod did not act; sent again.
        - 5xx, a body that is not JSON: RunPod has finished with the request, so the listing
          is final: `find` before the next attempt; sent again only if nothing is found.
        - no answer (read timeout, dropped connection): RunPod may still be working, so it is
          not sent again in this call; `find` is polled for up to one request timeout (within
          the budget) and `OutcomeUnknown` raised if nothing shows up.
        - `look_first`: `find` before the first attempt too (the caller's idempotency key).
        """
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
