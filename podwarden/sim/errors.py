"""The simulator's business errors and the texts RunPod answers with.

    Exception
    └── SimError            a request the world refuses; `code` is RunPod's extensions.code
        └── NotFoundError   the pod/endpoint/template/job/volume does not exist

GraphQL turns a `SimError` into an ``errors`` entry (HTTP 200, ``data.<field>: null``);
the Serverless routes into a 4xx with ``{"error": message}``. Texts marked *real* are
RunPod's own (reference §2.1); the others are the simulator's choice, worded so a
client classifying by keywords ("spend limit", "balance", "not found") gets them right.
"""

from __future__ import annotations

__all__ = [
    "BAD_BID",
    "CLUSTER_NOT_FOUND",
    "HOST_FULL",
    "NONEXISTENT_VOLUME",
    "NO_INSTANCES",
    "POD_NOT_FOUND_TO_TERMINATE",
    "SOMETHING_WENT_WRONG",
    "NotFoundError",
    "SimError",
    "insufficient_balance",
    "spend_limit_exceeded",
]

# real
NO_INSTANCES = (
    "There are no longer any instances available with the requested specifications. "
    "Please refresh and try again."
)
# real (podResume when the host's GPUs were rented out meanwhile)
HOST_FULL = "There are not enough free GPUs on the host machine to start this pod."
# real (generic 500)
SOMETHING_WENT_WRONG = "Something went wrong. Please try again later or contact support."
# real: the texts clients match on. dstack treats a terminate answering exactly this as
# "already gone" (dstack compute.py terminate_instance) ...
POD_NOT_FOUND_TO_TERMINATE = "pod not found to terminate"
# ... a volume delete whose message contains this (compute.py delete_volume) ...
NONEXISTENT_VOLUME = "Tried to delete nonexistent network volume"
# ... and a cluster delete whose errors[0].extensions.code is this (compute.py terminate_compute_group).
CLUSTER_NOT_FOUND = "Cluster not found"
BAD_BID = "Your bid of ${bid}/GPU/hr is below the minimum bid of ${minimum}/GPU/hr for {gpu}."


def spend_limit_exceeded(*, new_rate: str, current: str, limit: int) -> str:
    return (
        f"Spend limit exceeded: this would raise your spend from ${current}/hr to ${new_rate}/hr, "
        f"above your account's limit of ${limit}/hr."
    )


def insufficient_balance(*, needed: str, balance: str) -> str:
    return (
        f"Insufficient balance: you need at least ${needed} (one hour of this pod) "
        f"and your balance is ${balance}."
    )


class SimError(Exception):
    """RunPod refuses the request: `message` is what the client sees, `code` the extensions code."""

    def __init__(self, message: str, *, code: str = "RUNPOD", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class NotFoundError(SimError):
    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)
