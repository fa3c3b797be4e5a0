"""The ports: what services need from the outside world, as `typing.Protocol`s.

Services depend on these and on `podwarden.domain` only; `podwarden.bootstrap` plugs in
the concrete adapters (RunPod over GraphQL or REST v2, the SQL ledger, Slack or the
console). Ports speak domain values, never GraphQL shapes or ORM rows, so that RunPod's
retirement of GraphQL is a setting and not a rewrite.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from podwarden.domain.access import Role
from podwarden.domain.digest import Digest
from podwarden.domain.ledger_values import (
    AuditEntry,
    AuditOutcome,
    Budget,
    BudgetPeriod,
    BudgetScope,
    EndpointUsageHour,
    Lease,
    Member,
    Notice,
    NoticeIntent,
    PendingAction,
    PodChange,
    PodInterval,
    PodLifecycle,
    PodRecord,
    PodTrack,
    Snooze,
    UtilisationHour,
)
from podwarden.domain.models import (
    Account,
    Endpoint,
    EndpointHealth,
    EndpointSpec,
    GpuType,
    Job,
    NetworkVolume,
    Pod,
    PodSpec,
    PodStatus,
    Template,
    TemplateSpec,
)
from podwarden.domain.notes import MessageRef, Note
from podwarden.domain.spend_values import AutoStop, DigestClaim, EndpointQuarter, PodStretch


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class RunPodGateway(Protocol):
    """RunPod's management API (pods, catalog, account, templates, endpoints, volumes).

    Every method raises a `podwarden.errors.RunPodError` subclass on failure.
    """

    def list_pods(self) -> list[Pod]:
        """Every pod of the account with its runtime telemetry, in one request."""
        ...

    def get_pod(self, pod_id: str) -> Pod:
        """One pod; `NotFound` if it does not exist or was terminated."""
        ...

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        """The GPU catalog with secure/community/spot prices and stock for `gpu_count` GPUs."""
        ...

    def create_pod(self, spec: PodSpec) -> Pod:
        """Create an on-demand or (spec.spot) interruptible pod. Never duplicated on retry."""
        ...

    def stop_pod(self, pod_id: str) -> Pod: ...

    def resume_pod(self, pod_id: str, *, gpu_count: int, bid_per_gpu: Decimal | None = None) -> Pod:
        """Resume a stopped pod; spot pods resume with a bid (`bid_per_gpu`)."""
        ...

    def terminate_pod(self, pod_id: str) -> None: ...

    def account(self) -> Account: ...

    def save_template(self, spec: TemplateSpec) -> Template: ...

    def list_endpoints(self) -> list[Endpoint]: ...

    def save_endpoint(self, spec: EndpointSpec) -> Endpoint:
        """Create (`spec.id` None) or full-replace update an endpoint."""
        ...

    def network_volumes(self) -> list[NetworkVolume]: ...


class ServerlessGateway(Protocol):
    """RunPod's Serverless runtime API (`/v2/{endpoint_id}/...`)."""

    def health(self, endpoint_id: str) -> EndpointHealth: ...

    def run(self, endpoint_id: str, payload: object) -> Job: ...

    def run_sync(self, endpoint_id: str, payload: object, *, wait_ms: int = 90_000) -> Job: ...

    def status(self, endpoint_id: str, job_id: str) -> Job: ...

    def cancel(self, endpoint_id: str, job_id: str) -> Job: ...

    def purge_queue(self, endpoint_id: str) -> int:
        """Remove queued jobs; the number removed."""
        ...


class GpuCatalog(Protocol):
    """Anything that can list GPU types (the RunPod gateway, or a fixed list in tests)."""

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]: ...



# -- the ledger ------------------------------------------------------------------------------------
# One Protocol per concern, mirroring the SQL adapter's mixins, composed into `Ledger`. Every
# method is one unit of work; times are passed in (`now`), never read from a clock by the ledger.


class PeopleLedger(Protocol):
    def upsert_member(
        self, user_id: str, *, now: datetime, display_name: str | None = None, role: Role | None = None,
    ) -> Member: ...

    def set_member_team(self, user_id: str, team: str | None, *, now: datetime) -> Member: ...

    def member(self, user_id: str) -> Member | None: ...

    def members(self, *, team: str | None = None) -> list[Member]: ...

    def add_team(self, name: str, *, now: datetime) -> bool: ...

    def teams(self) -> list[str]: ...

    def set_member_prefix(self, user_id: str, prefix: str | None, *, now: datetime) -> Member: ...

    def member_named(self, name: str) -> Member | None:
        """The member whose display name is `name` (case-insensitive), if exactly one."""
        ...

    def set_group_role(self, group_id: str, role: Role | None, *, now: datetime) -> None:
        """Members of the Slack user group get at least `role`; None forgets the group."""
        ...

    def group_roles(self) -> dict[str, Role]: ...


class PodLedger(Protocol):
    def observe_pods(
        self, pods: Sequence[Pod], *, now: datetime, owners: Mapping[str, str] | None = None,
        complete: bool = False,
    ) -> list[PodChange]: ...

    def pod(self, pod_id: str) -> PodRecord | None: ...

    def pods(self, *, owner_id: str | None = None, include_terminated: bool = False) -> list[PodRecord]: ...

    def pod_owner(self, pod_id: str) -> str | None: ...

    def set_pod_owner(self, pod_id: str, owner_id: str | None, *, now: datetime) -> None: ...

    def pod_intervals(
        self, pod_id: str, *, start: datetime | None = None, end: datetime | None = None,
    ) -> list[PodInterval]: ...

    def lifecycle_state(self) -> dict[str, PodLifecycle]: ...

    def record_tick(
        self, pods: Sequence[Pod], *, now: datetime, complete: bool, tracks: Mapping[str, PodTrack],
        adopt: Mapping[str, str] | None = None, storage_per_hr: Mapping[str, Decimal] | None = None,
        notices: Sequence[NoticeIntent] = (),
    ) -> list[PodChange]: ...

    def set_pod_deadline(self, pod_id: str, deadline_at: datetime | None, *, now: datetime) -> None: ...

    def mark_stopped_by_us(self, pod_id: str, *, now: datetime) -> None: ...

    def unmark_stopped_by_us(self, pod_id: str, *, since: datetime, until: datetime) -> bool: ...


class UsageLedger(Protocol):
    def add_utilisation_sample(
        self, pod_id: str, *, at: datetime, seconds: int, gpu_percents: Sequence[int | None] = (),
        cpu_percent: int | None = None, idle: bool | None = None,
    ) -> bool: ...

    def utilisation(self, pod_id: str, *, start: datetime, end: datetime) -> list[UtilisationHour]: ...

    def observe_endpoints(
        self, endpoints: Sequence[Endpoint], *, now: datetime, owners: Mapping[str, str] | None = None,
        complete: bool = False,
    ) -> None: ...

    def endpoint_ids(self, *, include_deleted: bool = False) -> list[str]: ...

    def endpoint_owner(self, endpoint_id: str) -> str | None: ...

    def add_endpoint_usage(
        self, endpoint_id: str, *, at: datetime, seconds: int, workers_running: int, workers_idle: int,
        cost: Decimal, jobs_completed: int = 0, jobs_failed: int = 0,
    ) -> bool: ...

    def endpoint_usage(
        self, *, start: datetime, end: datetime, endpoint_id: str | None = None,
    ) -> list[EndpointUsageHour]: ...


class SpendLedger(Protocol):
    def spend(
        self, *, start: datetime, end: datetime, pod_id: str | None = None, owner_id: str | None = None,
        team: str | None = None,
    ) -> Decimal: ...

    def spend_by_pod(self, *, start: datetime, end: datetime) -> dict[str, Decimal]: ...

    def spend_by_owner(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]: ...

    def spend_by_team(self, *, start: datetime, end: datetime) -> dict[str | None, Decimal]: ...

    def set_budget(
        self, scope: BudgetScope, subject: str | None, *, amount: Decimal, period: BudgetPeriod,
        hard: bool = False, now: datetime, action: str | None = None,
    ) -> Budget: ...

    def budgets(self, *, scope: BudgetScope | None = None, subject: str | None = None) -> list[Budget]: ...

    def budget(self, scope: BudgetScope, subject: str | None, period: BudgetPeriod) -> Budget | None: ...

    def delete_budget(self, scope: BudgetScope, subject: str | None, period: BudgetPeriod) -> bool: ...

    # What the digest reads (intervals and quarter hours carry the owner and team of the time).
    def pod_stretches(self, *, start: datetime, end: datetime) -> list[PodStretch]: ...

    def add_pod_interval(
        self, pod_id: str, *, status: PodStatus, started_at: datetime, ended_at: datetime | None,
        cost_per_hr: Decimal, storage_per_hr: Decimal = ..., gpu_type_id: str | None = None,
        gpu_count: int = 1, cloud: str | None = None, spot: bool = False, owner_id: str | None = None,
        team: str | None = None, idle: bool | None = None,
    ) -> None: ...

    def add_endpoint_quarter(
        self, endpoint_id: str, *, at: datetime, seconds: int, workers_running: int, workers_idle: int,
        cost: Decimal, idle_cost: Decimal = ..., jobs_completed: int = 0,
    ) -> bool: ...

    def endpoint_quarters(self, *, start: datetime, end: datetime) -> list[EndpointQuarter]: ...

    def record_auto_stop(self, pod_id: str, *, at: datetime, reason: str) -> bool: ...

    def auto_stops(self, *, start: datetime, end: datetime) -> list[AutoStop]: ...

    def claim_digest(
        self, week_start: date, channel: str, *, now: datetime, stale_after: timedelta,
    ) -> DigestClaim: ...

    def finish_digest(self, week_start: date, channel: str, *, ts: str | None, now: datetime) -> None: ...


class NoticeLedger(Protocol):
    def record_notice(
        self, key: str, *, kind: str, now: datetime, pod_id: str | None = None,
        endpoint_id: str | None = None, recipient: str | None = None, due_at: datetime | None = None,
        payload: str | None = None,
    ) -> Notice: ...

    def notice(self, key: str) -> Notice | None: ...

    def mark_notice_sent(self, key: str, *, channel: str, ts: str, now: datetime) -> Notice: ...

    def mark_notice_sending(self, key: str, *, now: datetime) -> Notice: ...

    def mark_notice_failed(self, key: str, *, error: str, now: datetime) -> Notice: ...

    def undelivered_notices(self) -> list[Notice]: ...

    def withdraw_notice(self, key: str, *, now: datetime) -> Notice: ...

    def open_notices(
        self, *, kind: str | None = None, pod_id: str | None = None, since: datetime | None = None,
    ) -> list[Notice]: ...

    def digest_sent(self, week_start: date, channel: str) -> bool: ...

    def record_digest(self, week_start: date, channel: str, *, ts: str | None, now: datetime) -> bool: ...


class AuditLedger(Protocol):
    def audit(
        self, actor: str, action: str, *, at: datetime, target: str | None = None,
        args: Mapping[str, Any] | None = None, outcome: AuditOutcome = AuditOutcome.OK,
        error: str | None = None, channel: str | None = None, answer_status: str | None = None,
    ) -> AuditEntry: ...

    def audit_log(
        self, *, since: datetime | None = None, until: datetime | None = None, actor: str | None = None,
        action: str | None = None, target: str | None = None, limit: int = 100,
    ) -> list[AuditEntry]: ...


class CoordinationLedger(Protocol):
    def acquire_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool: ...

    def renew_lease(self, name: str, holder: str, *, now: datetime, ttl: timedelta) -> bool: ...

    def release_lease(self, name: str, holder: str, *, now: datetime) -> bool: ...

    def lease(self, name: str) -> Lease | None: ...

    def create_pending_action(
        self, *, requester: str, verb: str, payload: Mapping[str, Any], now: datetime, ttl: timedelta,
        request_key: str | None = None, channel: str | None = None,
    ) -> PendingAction: ...

    def consume_pending_action(
        self, nonce: str, *, now: datetime, clicked_by: str | None = None,
    ) -> PendingAction | None: ...

    def request_approval(self, nonce: str, *, now: datetime, ttl: timedelta) -> PendingAction | None:
        """Pending → awaiting an admin's decision (once); None if it was no longer pending."""
        ...

    def decide_approval(
        self, nonce: str, *, approver: str, approve: bool, now: datetime,
    ) -> PendingAction | None:
        """Awaiting → consumed (approved) or denied, exactly once; None if already decided or expired."""
        ...

    def expire_pending_actions(self, *, now: datetime) -> list[PendingAction]:
        """Expire the open actions whose time is up; return those that awaited an admin (to tell the requesters)."""
        ...

    def mark_pod_created(
        self, pod_id: str, *, now: datetime, deadline_at: datetime | None = None,
        bid_per_gpu: Decimal | None = None,
    ) -> None:
        """Remember that Podwarden created the pod (observed already), with its deadline and bid."""
        ...

    def cancel_pending_action(self, nonce: str, *, now: datetime) -> bool: ...

    def set_pending_result(self, nonce: str, result: str) -> None: ...

    def set_pending_message(self, nonce: str, *, channel: str, ts: str) -> None:
        """Remember the message holding the action's Approve/Deny buttons (the first approval request posted)."""
        ...

    def pending_action(self, nonce: str) -> PendingAction | None: ...

    def snooze_pod(
        self, pod_id: str, *, until: datetime, by: str, now: datetime, reason: str | None = None,
    ) -> Snooze: ...

    def active_snooze(self, pod_id: str, *, now: datetime) -> Snooze | None: ...

    def active_snoozes(self, *, now: datetime, pod_id: str | None = None) -> dict[str, Snooze]: ...

    def clear_snoozes(self, pod_id: str, *, now: datetime) -> int: ...


class Ledger(
    PeopleLedger, PodLedger, UsageLedger, SpendLedger, NoticeLedger, AuditLedger, CoordinationLedger, Protocol,
):
    """Podwarden's memory, shared by the bot and the daemon (SQLite or PostgreSQL)."""

    def close(self) -> None: ...


# -- telling people --------------------------------------------------------------------------------


class Notifier(Protocol):
    """Delivers `Note`s: Slack in production, text in the console, a list in tests.

    Raises `podwarden.errors.NotifyError` when the message could not be delivered.
    """

    def send(self, note: Note) -> MessageRef:
        """Post `note` to its recipient (a DM for a user id), carrying `note.key` as metadata."""
        ...

    def update(self, ref: MessageRef, note: Note) -> None:
        """Replace the message at `ref` with `note` (a warning withdrawn, a notice resolved)."""
        ...

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        """The message carrying `key` posted to `channel` since `oldest`, if any (crash recovery)."""
        ...


# -- the weekly digest -----------------------------------------------------------------------------


class DigestPublisher(Protocol):
    """Posts the weekly digest where people read it (Slack: blocks, a chart, a CSV; or the console).

    Raises `podwarden.errors.NotifyError` when the digest could not be posted.
    """

    def publish(self, digest: Digest, *, channel: str, key: str) -> MessageRef:
        """Post `digest` to `channel`, carrying `key` as metadata so that `find` can find it.
        Its files (the week's CSV, the chart when needed) go up with `attach`."""
        ...

    def find(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        """The digest carrying `key` posted to `channel` since `oldest`, if any (crash recovery)."""
        ...

    def attach(self, digest: Digest, ref: MessageRef) -> str | None:
        """Upload the files of the digest posted at `ref` (by `publish` or found by `find`) with it:
        None once they are up; Slack's refusal when no retry can change it (the digest is then
        finished without them); `NotifyError` when they could not be yet, so the job tries again."""
        ...


class LeaderLock(Protocol):
    """A lock held for a process's life that the database releases when the process dies
    (PostgreSQL's session advisory lock): who leads when several daemons share a ledger."""

    def hold(self) -> bool:
        """True while held: takes it if free, checks the session if held; False if another holds it."""
        ...

    def release(self) -> None: ...

    def close(self) -> None: ...
