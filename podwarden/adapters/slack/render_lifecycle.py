"""The daemon's notices as replies: idle warnings, shutdowns, SSH, evictions, money, storage.

Each says what happened in one line a person can act on, the money involved, and offers
the one or two buttons that matter (their handlers are in `bot.lifecycle_actions`; button
values carry the pod or endpoint id). A notice whose state changed (a warning withdrawn, a
pod stopped) renders its new state without buttons, and replaces the old message in place.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from podwarden.adapters.slack import render_figures as figures
from podwarden.adapters.slack.render_notes import renders
from podwarden.adapters.slack.reply import Button, Reply, Section
from podwarden.domain.notes import (
    CapReached,
    DaemonSilent,
    DeadlineWarning,
    IdleWarning,
    IdleWorkers,
    PodStopped,
    RunwayWarning,
    SpotEvicted,
    SshChanged,
    SshReady,
    StoppedStorage,
    UnattachedVolume,
    UnownedPod,
)

KEEP_1H = "lifecycle.keep_1h"
KEEP_TOMORROW = "lifecycle.keep_tomorrow"
STOP_NOW = "lifecycle.stop_now"
RESUME = "lifecycle.resume"
RELAUNCH = "lifecycle.relaunch_on_demand"
MIN_WORKERS_0 = "lifecycle.min_workers_0"
CLAIM = "lifecycle.claim"
TERMINATE = "lifecycle.terminate"
KEEP_STOPPED = "lifecycle.keep_stopped"
EXTEND_DEADLINE = "lifecycle.extend_deadline_1h"
FOR_GOOD = timedelta(days=365)  # a keep longer than this is `keep forever` (ten years), not a time to show


def money(amount: Decimal) -> str:
    return f"${amount.quantize(Decimal('0.01'))}"


def _when(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


@renders(IdleWarning)
def idle_warning(note: IdleWarning) -> Reply:
    data = {"kind": "idle_warning", "pod_id": note.pod_id, "state": note.state, "stop_at": note.stop_at,
            "per_hour": figures.rate_h(note.cost_per_hr), "kept_until": note.kept_until}
    idle = f"has been idle since {_when(note.idle_since)}"
    if note.state != "open":
        ending = {"busy again": "is busy again: warning withdrawn.", "kept": _kept(note),
                  "stopped": "was stopped."}.get(note.state, note.state)
        return Reply(title=f"Pod {note.pod_name} {ending}", data=data)
    return Reply(
        title=f"Pod {note.pod_name} {idle} ({money(note.cost_per_hr)}/h).",
        sections=(Section(lines=(f"It will be stopped (not terminated) at {_when(note.stop_at)} unless you keep it.",),
                          strong=True),),
        buttons=(
            Button("Keep 1h", KEEP_1H, note.pod_id, style="primary"),
            Button("Keep until tomorrow", KEEP_TOMORROW, note.pod_id),
            Button("Stop now", STOP_NOW, note.pod_id, style="danger"),
        ),
        data=data,
    )


def _kept(note: IdleWarning) -> str:
    """A keep lasts until a time, never for good: say until when, in the team's time zone."""
    if note.kept_until is None:
        return "was kept: it will not be stopped for being idle until the keep ends (`keep list` shows when)."
    if note.kept_until - note.stop_at > FOR_GOOD:
        return "was kept with `keep forever`: it will not be stopped for being idle."
    try:
        zone = ZoneInfo(note.time_zone)
        name = note.time_zone
    except (ZoneInfoNotFoundError, ValueError):
        zone, name = ZoneInfo("UTC"), "UTC"
    local = note.kept_until.astimezone(zone)
    day = "" if local.date() == note.stop_at.astimezone(zone).date() else f"{local:%a} "  # "Keep until tomorrow"
    return f"was kept until {day}{local:%H:%M} ({name}): it will not be stopped for being idle before then."


@renders(DeadlineWarning)
def deadline_warning(note: DeadlineWarning) -> Reply:
    data = {"kind": "deadline_warning", "pod_id": note.pod_id, "state": note.state, "deadline_at": note.deadline_at}
    if note.state != "open":
        ending = {"extended": "has a later deadline now.", "stopped": "was stopped.",
                  "kept": "was kept past its deadline."}.get(note.state, note.state)
        return Reply(title=f"Pod {note.pod_name} {ending}", data=data)
    return Reply(
        title=f"Pod {note.pod_name} reaches its --max-hours deadline at {_when(note.deadline_at)} "
              f"({money(note.cost_per_hr)}/h).",
        sections=(Section(lines=("It will be stopped then unless you keep it.",)),),
        buttons=(Button("Keep 1h", EXTEND_DEADLINE, note.pod_id, style="primary"),),
        data=data,
    )


@renders(PodStopped)
def pod_stopped(note: PodStopped) -> Reply:
    why = {"idle": "it was idle and nobody kept it", "deadline": "it reached its --max-hours deadline",
           "cap": "a spending cap was reached"}.get(note.reason, note.reason)
    data = {"kind": "pod_stopped", "pod_id": note.pod_id, "reason": note.reason,
            "saves_per_hour": figures.rate_h(note.saves_per_hr),
            "storage_per_hour": figures.rate_h(note.storage_per_hr), "state": note.state}
    if note.state != "stopped":
        return Reply(title=f"Pod {note.pod_name} was stopped ({why}) and has been {note.state}.", data=data)
    storage = f" Its disk still costs {money(note.storage_per_hr)}/h while stopped." if note.storage_per_hr else ""
    return Reply(
        title=f"Stopped pod {note.pod_name}: {why}.",
        sections=(Section(lines=(f"This saves {money(note.saves_per_hr)}/h. Nothing was deleted.{storage}",),
                          strong=True),),
        buttons=(Button("Resume", RESUME, note.pod_id, style="primary"),),
        data=data,
    )


@renders(SshReady)
def ssh_ready(note: SshReady) -> Reply:
    command = f"ssh root@{note.ip} -p {note.port} -i ~/.ssh/id_ed25519"
    return Reply(title=f"Pod {note.pod_name} is running. Connect with:", sections=(Section(lines=(command,)),),
                 data={"kind": "ssh_ready", "pod_id": note.pod_id, "ip": note.ip, "port": note.port,
                       "command": command})


@renders(SshChanged)
def ssh_changed(note: SshChanged) -> Reply:
    command = f"ssh root@{note.ip} -p {note.port} -i ~/.ssh/id_ed25519"
    before = f" (was {note.previous_ip}:{note.previous_port})" if note.previous_ip else ""
    return Reply(title=f"Pod {note.pod_name} has a new SSH address{before}:", sections=(Section(lines=(command,)),),
                 data={"kind": "ssh_changed", "pod_id": note.pod_id, "ip": note.ip, "port": note.port,
                       "command": command})


@renders(SpotEvicted)
def spot_evicted(note: SpotEvicted) -> Reply:
    data = {"kind": "eviction", "pod_id": note.pod_id, "on_demand_per_hour": figures.rate_h(note.on_demand_per_hr),
            "state": note.state}
    if note.state != "open":
        return Reply(title=f"Spot pod {note.pod_name} was evicted; {note.state}.", data=data)
    gpu = note.gpu_name or note.gpu_type_id  # "RTX 3090", as everywhere else, not RunPod's id
    gpus = f"{note.gpu_count} × {gpu}" if gpu else "its GPUs"
    if note.on_demand_per_hr is None:
        return Reply(title=f"Spot pod {note.pod_name} was evicted by RunPod (its disk is kept).",
                     sections=(Section(lines=(f"No on-demand price is known for {gpus} right now.",)),), data=data)
    return Reply(
        title=f"Spot pod {note.pod_name} was evicted by RunPod (its disk is kept).",
        sections=(Section(lines=(f"Relaunch {gpus} on-demand for {money(note.on_demand_per_hr)}/h: "
                                 "it will not be interrupted again.",)),),
        buttons=(Button(f"Relaunch on-demand ({money(note.on_demand_per_hr)}/h)", RELAUNCH, note.pod_id,
                        style="primary"),),
        data=data,
    )


@renders(RunwayWarning)
def runway_warning(note: RunwayWarning) -> Reply:
    return Reply(
        title=f"RunPod balance {money(note.balance)} lasts about {note.hours_left} h at {money(note.spend_per_hr)}/h.",
        sections=(Section(lines=("At zero RunPod stops every pod and may delete volumes: top up or stop something.",),
                          strong=True),),
        data={"kind": "runway", "balance": figures.usd(note.balance),
              "spend_per_hour": figures.rate_h(note.spend_per_hr), "hours_left": figures.qty(note.hours_left)},
    )


@renders(IdleWorkers)
def idle_workers(note: IdleWorkers) -> Reply:
    data = {"kind": "idle_workers", "endpoint_id": note.endpoint_id, "state": note.state}
    if note.state != "open":
        return Reply(title=f"Endpoint {note.endpoint_name}: {note.state}.", data=data)
    return Reply(
        title=f"Endpoint {note.endpoint_name} keeps {note.workers_min} active worker(s) warm with no jobs to run.",
        sections=(Section(lines=(f"They cost {money(note.cost_per_hr)}/h "
                                 f"({money(note.cost_per_hr * 720)}/month) whether used or not.",)),),
        buttons=(Button("Set min workers to 0", MIN_WORKERS_0, note.endpoint_id, style="primary"),),
        data=data,
    )


@renders(StoppedStorage)
def stopped_storage(note: StoppedStorage) -> Reply:
    data = {"kind": "stopped_storage", "pod_id": note.pod_id, "per_month": figures.usd(note.per_month),
            "state": note.state}
    if note.state != "open":
        return Reply(title=f"Stopped pod {note.pod_name}: {note.state}.", data=data)
    return Reply(
        title=f"Pod {note.pod_name} has been stopped since {note.stopped_since:%Y-%m-%d} and its disk still costs "
              f"{money(note.per_month)}/month.",
        buttons=(
            Button("Terminate pod", TERMINATE, note.pod_id, style="danger",
                   confirm=f"Terminate {note.pod_name}? Its disk is deleted; this cannot be undone."),
            Button("Keep", KEEP_STOPPED, note.pod_id),
        ),
        data=data,
    )


@renders(UnattachedVolume)
def unattached_volume(note: UnattachedVolume) -> Reply:
    return Reply(
        title=f"Network volume {note.volume_name} ({note.size_gb} GB) is attached to no pod and costs "
              f"{money(note.per_month)}/month.",
        sections=(Section(lines=("Delete it in RunPod's console if nobody needs its data.",)),),
        data={"kind": "unattached_volume", "volume_id": note.volume_id, "per_month": figures.usd(note.per_month)},
    )


@renders(UnownedPod)
def unowned_pod(note: UnownedPod) -> Reply:
    data = {"kind": "unowned", "pod_id": note.pod_id, "claimed_by": note.claimed_by}
    if note.claimed_by:
        return Reply(title=f"Pod {note.pod_name} belongs to <@{note.claimed_by}>.", data=data)
    return Reply(
        title=f"Pod {note.pod_name} ({money(note.cost_per_hr)}/h) was started outside Podwarden and has no owner.",
        sections=(Section(lines=("Its idle warnings come to this channel until someone claims it.",)),),
        buttons=(Button("This is mine", CLAIM, note.pod_id, style="primary"),),
        data=data,
    )


@renders(CapReached)
def cap_reached(note: CapReached) -> Reply:
    who = "the whole fleet" if note.scope == "global" else f"{note.scope} {note.subject}"
    spent = f"{money(note.spent)}/h" if note.period == "hour" else money(note.spent)
    lines = [f"{'Hard' if note.hard else 'Soft'} cap: {money(note.amount)} per {note.period}; now {spent}."]
    if note.stopping:
        lines.append(f"Stopping, newest first: {', '.join(note.stopping)}.")
    elif note.hard:
        lines.append("New starts are refused until spend is under the cap.")
    return Reply(title=f"Spending cap reached for {who}.", sections=(Section(lines=tuple(lines), strong=True),),
                 data={"kind": "cap", "scope": note.scope, "subject": note.subject, "period": note.period,
                       "spent_per_period": figures.usd(note.spent), "budget_per_period": figures.usd(note.amount),
                       "stopping": list(note.stopping)})


@renders(DaemonSilent)
def daemon_silent(note: DaemonSilent) -> Reply:
    since = f" (last heartbeat {note.last_beat:%Y-%m-%d %H:%M} UTC)" if note.last_beat else " (never started)"
    return Reply(
        title=f"The Podwarden daemon has been silent for {note.minutes} minutes{since}.",
        sections=(Section(lines=("Idle pods are not being stopped. Check `podwarden daemon` is running.",),
                          strong=True),),
        data={"kind": "daemon_silent", "minutes": note.minutes},
    )
