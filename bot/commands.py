"""Typed commands: what the parser produces and the dispatcher executes.

Values are kept as the user wrote them where resolving needs data (a GPU short name, a
pod prefix): the parser checks form, services check meaning against the catalog and the
fleet.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Command:
    @property
    def verb(self) -> str:
        return VERB_NAMES[type(self).__name__]

    @property
    def permission(self) -> str:
        """The key of the role table (`podwarden.domain.access.ROLES`): the verb, or the
        verb and sub-command where a sub-command needs more (`budget set`, `keep forever`)."""
        return self.verb


@dataclass(frozen=True, slots=True)
class Help(Command):
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Gpus(Command):
    cloud: str | None = None
    min_vram_gb: int | None = None


@dataclass(frozen=True, slots=True)
class Pods(Command):
    scope: str = "mine"


@dataclass(frozen=True, slots=True)
class Start(Command):
    gpu: str
    count: int = 1
    name: str | None = None
    image: str | None = None
    template: str | None = None
    spot: bool = False
    cloud: str | None = None
    container_disk_gb: int | None = None
    volume_gb: int | None = None
    network_volume_id: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    ports: str | None = None
    max_hours: Decimal | None = None
    bid: Decimal | None = None  # spot only: $/h per GPU; None = RunPod's current minimum bid


@dataclass(frozen=True, slots=True)
class PodAction(Command):
    pod: str


@dataclass(frozen=True, slots=True)
class Stop(PodAction):
    pass


@dataclass(frozen=True, slots=True)
class Resume(PodAction):
    pass


@dataclass(frozen=True, slots=True)
class Terminate(PodAction):
    pass


@dataclass(frozen=True, slots=True)
class Ssh(PodAction):
    pass


@dataclass(frozen=True, slots=True)
class SshConfig(Command):
    pass


@dataclass(frozen=True, slots=True)
class Keep(Command):
    """`keep <pod> 2h`, `keep <pod> until 18:00`, or (admins) `keep <pod> forever`."""

    pod: str
    until: str
    forever: bool = False

    @property
    def permission(self) -> str:
        return "keep forever" if self.forever else "keep"


@dataclass(frozen=True, slots=True)
class KeepList(Command):
    @property
    def permission(self) -> str:
        return "keep list"


@dataclass(frozen=True, slots=True)
class KeepCancel(Command):
    pod: str

    @property
    def permission(self) -> str:
        return "keep cancel"


@dataclass(frozen=True, slots=True)
class Endpoints(Command):
    pass


@dataclass(frozen=True, slots=True)
class Deploy(Command):
    name: str
    image: str
    gpu: str
    workers_min: int = 0
    workers_max: int = 3
    idle_timeout_s: int = 5
    timeout_s: int = 600
    flashboot: bool = True
    network_volume_id: str | None = None
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Scale(Command):
    endpoint: str
    workers_min: int | None = None
    workers_max: int | None = None
    idle_timeout_s: int | None = None


@dataclass(frozen=True, slots=True)
class Quote(Command):
    gpu: str
    count: int = 1
    hours: Decimal | None = None
    hours_per_day: Decimal | None = None
    requests_per_hour: Decimal | None = None
    seconds_per_request: Decimal | None = None
    spot: bool = False
    cloud: str | None = None
    container_disk_gb: int | None = None
    volume_gb: int | None = None


@dataclass(frozen=True, slots=True)
class Size(Command):
    params: str
    dtype: str = "bf16"
    context: int | None = None
    cloud: str | None = None
    batch: int | None = None  # sequences held at once, for the KV cache (the answer says the default)


@dataclass(frozen=True, slots=True)
class Spend(Command):
    period: str = "today"
    who: str | None = None


@dataclass(frozen=True, slots=True)
class Budget(Command):
    subject: str | None = None
    amount: Decimal | None = None
    period: str | None = None
    hard: bool = False
    action: str | None = None  # warn | refuse | stop; None: refuse when hard, else warn

    @property
    def permission(self) -> str:
        return "budget set" if self.subject is not None else "budget"


@dataclass(frozen=True, slots=True)
class BudgetRemove(Command):
    """`budget remove <@user|team|global> <hour|day|month>`: one cap gone (admins)."""

    subject: str  # global, @U123 or team:NAME, as for `budget set`
    period: str  # hour | day | month

    @property
    def permission(self) -> str:
        return "budget remove"


@dataclass(frozen=True, slots=True)
class Policy(Command):
    pass


@dataclass(frozen=True, slots=True)
class Digest(Command):
    now: bool = False

    @property
    def permission(self) -> str:
        return "digest now" if self.now else "digest"


@dataclass(frozen=True, slots=True)
class SetRole(Command):
    """`role @user admin`, or `role @group member` for a Slack user group (`subject` is an id)."""

    subject: str  # a Slack user id (U…/W…) or user group id (S…)
    role: str
    group: bool = False
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class SetTeam(Command):
    user: str
    team: str | None  # None: no team (`team @user none`)
    prefix: str | None = None


@dataclass(frozen=True, slots=True)
class Audit(Command):
    user: str | None = None
    pod: str | None = None
    days: int = 7


VERB_NAMES = {
    "Help": "help", "Gpus": "gpus", "Pods": "pods", "Start": "start", "Stop": "stop", "Resume": "resume",
    "Terminate": "terminate", "Ssh": "ssh", "SshConfig": "ssh-config", "Keep": "keep",
    "Endpoints": "endpoints", "Deploy": "deploy", "Scale": "scale", "Quote": "quote", "Size": "size",
    "Spend": "spend", "Budget": "budget", "BudgetRemove": "budget", "Policy": "policy", "Digest": "digest",
    "KeepList": "keep", "KeepCancel": "keep", "SetRole": "role", "SetTeam": "team", "Audit": "audit",
}
