"""Every error Podwarden raises, as two roots: the pure core's and everything else's.

    DomainError                             (podwarden.domain.errors; pure core)
    └── InputError                          bad user input: one line + the verb's usage
                                            (also a ValueError)

    PodwardenError
    ├── ConfigError                         a setting is missing or malformed
    ├── LedgerError                         the SQL ledger is unreachable or not migrated
    ├── NotifyError                         Slack (or the console) could not deliver a message
    └── RunPodError                         anything RunPod (or the simulator) answered badly
        ├── Unauthorized                    401/403: the API key is missing, wrong or lacks scope
        ├── NotFound                        the pod/endpoint/job does not exist (any more)
        ├── RateLimited                     429; `retry_after` seconds when RunPod said so
        ├── SpendLimitReached               the account's $/h spend limit refuses it
        ├── InsufficientBalance             not enough credit for an hour of the new pod
        ├── NoCapacity                      no machine has that GPU (count/cloud) free now
        ├── BadRequest                      RunPod rejected the request as invalid (400/422)
        ├── ServerError                     5xx or RunPod's "Something went wrong"
        ├── RunPodTimeout                   connect/read timeout or dropped connection
        │   └── OutcomeUnknown              a create got no answer and was not sent again
        └── MalformedResponse               the answer was not the JSON we expected

`DomainError` is not a subclass of `PodwardenError`: the domain imports only the standard
library, so it cannot derive from this module. Faces therefore catch
`(PodwardenError, DomainError)`; anything else that escapes is a bug, which the CLI logs
with its traceback and reports as an internal error (exit 1). RunPod errors carry
RunPod's own message so users see what RunPod said, and `retryable` tells the client
whether the same request may simply be sent again.
"""

from __future__ import annotations

from podwarden.domain.errors import DomainError, InputError

__all__ = [
    "BadRequest",
    "ConfigError",
    "DomainError",
    "InputError",
    "InsufficientBalance",
    "LedgerError",
    "MalformedResponse",
    "NoCapacity",
    "NotFound",
    "OutcomeUnknown",
    "PodwardenError",
    "RateLimited",
    "RunPodError",
    "RunPodTimeout",
    "ServerError",
    "SpendLimitReached",
    "Unauthorized",
]


class PodwardenError(Exception):
    """Base of errors raised outside the pure core."""


class ConfigError(PodwardenError):
    """A setting is missing or malformed; the message names the setting and what it expects."""


class LedgerError(PodwardenError):
    """The ledger cannot be used: unreachable, or its schema is not at the head revision."""


class NotifyError(PodwardenError):
    """A message could not be delivered (Slack refused it, or could not be reached)."""


class RunPodError(PodwardenError):
    """RunPod refused or failed a request. `message` is RunPod's own text where it gave one."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, operation: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.operation = operation

    def __str__(self) -> str:
        where = f" ({self.operation})" if self.operation else ""
        return f"RunPod: {self.message}{where}"


class Unauthorized(RunPodError):
    pass


class NotFound(RunPodError):
    pass


class RateLimited(RunPodError):
    retryable = True

    def __init__(
        self, message: str, *, status: int | None = 429, operation: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, operation=operation)
        self.retry_after = retry_after


class SpendLimitReached(RunPodError):
    pass


class InsufficientBalance(RunPodError):
    pass


class NoCapacity(RunPodError):
    pass


class BadRequest(RunPodError):
    pass


class ServerError(RunPodError):
    retryable = True


class RunPodTimeout(RunPodError):
    retryable = True


class MalformedResponse(RunPodError):
    retryable = True


class OutcomeUnknown(RunPodTimeout):
    """RunPod got a create but never answered, and it was deliberately not sent again.

    RunPod may still be making the resource: a second request could make a second one, so
    the adapter looked for it (by `request`, the token it tagged the create with) for a
    bounded time, did not find it, and gives the decision back to the user. Not retryable.
    """

    retryable = False

    def __init__(
        self, message: str, *, status: int | None = None, operation: str | None = None,
        request: str | None = None,
    ) -> None:
        super().__init__(message, status=status, operation=operation)
        self.request = request
