"""Pods as replies: the fleet table, start offers with their Confirm button, SSH, results."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from podwarden.adapters.slack import render_figures as figures
from podwarden.adapters.slack.reply import Button, Reply, Section
from podwarden.domain.answers import Fleet, Offer, Ssh, StartPlan
from podwarden.domain.caps import CapCheck
from podwarden.domain.models import Pod, PodStatus

CANCEL = "confirm_cancel"


def confirm_id(verb: str) -> str:
    """The action id of a verb's Confirm button (`start_confirm`, `terminate_confirm`, ...)."""
    return f"{verb}_confirm"


def money(amount: Decimal | None, per: str = "") -> str:
    return "—" if amount is None else f"${amount:,.2f}{per}"


def hours(delta: timedelta | int | None) -> str:
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds()) if isinstance(delta, timedelta) else int(delta)
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 86400}d{seconds % 86400 // 3600}h"


def fleet(view: Fleet) -> Reply:
    whose = {"all": "All pods"}.get(view.scope, f"Pods of <@{view.scope}>")
    if not view.pods:
        return Reply(title=f"{whose}: none", data={"scope": view.scope, "pods": []})
    # "$/h now" is what a pod bills now, its disks included (a stopped pod: its volume alone);
    # "cost seen" is what the ledger recorded since it first saw the pod, not its whole life.
    rows: list[tuple[str, ...]] = [("pod", "status", "gpu", "$/h now", "up", "gpu%", "idle", "owner", "cost seen")]
    for v in view.pods:
        p = v.pod
        rows.append((
            f"{p.name} ({p.id})", p.status.value.lower() + (" spot" if p.spot else ""),
            f"{p.gpu_count}× {p.gpu_display_name or p.gpu_type_id or '?'}", money(v.per_hr_now),
            hours(v.uptime_seconds) if p.running else "—", f"{v.gpu_util}%" if v.gpu_util is not None else "—",
            hours(v.idle_for) if v.idle_for is not None else ("kept" if v.kept_until else "—"),
            v.owner_name or v.owner_id or "?", money(v.cost_so_far),
        ))
    running = sum(1 for v in view.pods if v.pod.running)
    return Reply(
        title=f"{whose}: {len(view.pods)} ({running} running, {money(view.per_hr_now, '/h')} now)",
        sections=(Section(table=tuple(rows)),),
        data={"scope": view.scope, "per_hour": figures.rate_h(view.per_hr),
              "per_hour_now": figures.rate_h(view.per_hr_now), "pods": [
            {"id": v.pod.id, "name": v.pod.name, "status": v.pod.status, "gpu_type_id": v.pod.gpu_type_id,
             "gpu_count": v.pod.gpu_count, "spot": v.pod.spot, "per_hour": figures.rate_h(v.pod.cost_per_hr),
             "storage_per_hour": figures.rate_h(v.storage_per_hr),
             "uptime_seconds": v.uptime_seconds, "gpu_util": v.gpu_util,
             "idle_seconds": v.idle_for.total_seconds() if v.idle_for else None, "owner": v.owner_id,
             "owner_name": v.owner_name,
             "cost_so_far": figures.usd(v.cost_so_far), "kept_until": v.kept_until} for v in view.pods]},
    )


def start_offer(plan: StartPlan, offer: Offer, caps: CapCheck) -> Reply:
    s = plan.spec
    where = f"{s.cloud.value.lower()} cloud" + (" spot" if s.spot else " on-demand")
    disks = f"container disk {s.container_disk_gb} GB" + (f" and volume {s.volume_gb} GB" if s.volume_gb else "")
    lines = [f"{money(plan.total_per_hr, '/h')} while it runs: {money(plan.per_hr, '/h')} for the GPUs "
             f"({s.gpu_count} × {money(plan.per_hr / s.gpu_count, '/h')}) + {money(plan.storage_per_hr, '/h')} "
             f"for the {disks}" + (" (the network volume is billed apart)" if s.network_volume_id else "") + "."]
    if s.spot:
        lines.append(f"Spot bid: {money(s.bid_per_gpu, '/h')} per GPU; a spot pod can be stopped at any time "
                     "(5 s warning) when someone outbids it.")
    lines.append(f"Image: {s.image or 'template ' + str(s.template_id)}; disk {s.container_disk_gb} GB"
                 + (f", volume {s.volume_gb} GB" if s.volume_gb else "")
                 + (f", network volume {s.network_volume_id}" if s.network_volume_id else ""))
    if plan.max_hours is not None:
        lines.append(f"Stopped after {plan.max_hours} h unless kept "
                     f"(about {money(plan.total_per_hr * plan.max_hours)}).")
    if plan.note:
        lines.append(plan.note)
    lines.extend(f"Warning: {w}" for w in caps.warnings)
    label = "Request approval" if offer.needs_approval else "Confirm"
    if offer.needs_approval:
        lines.append("Above the approval threshold: an admin must approve it.")
    return Reply(
        title=f"Start {s.name}: {s.gpu_count} × {plan.gpu_name}, {where}, at {money(plan.total_per_hr, '/h')}?",
        sections=(Section(lines=tuple(lines)),),
        buttons=(Button(label, confirm_id("start"), offer.nonce, style="primary"),
                 Button("Cancel", CANCEL, f"start:{offer.nonce}")),
        data={"start": _start_json(plan), "nonce": offer.nonce, "needs_approval": offer.needs_approval,
              "warnings": list(caps.warnings)},
    )


def _start_json(plan: StartPlan) -> dict[str, object]:
    """The start as JSON: the pending action's payload, its prices to the tenth of a cent
    with their period in the key."""
    shown = {k: v for k, v in plan.payload().items() if k not in {"per_hr", "bid_per_gpu"}}
    return {**shown, "per_hour": figures.rate_h(plan.total_per_hr), "gpu_per_hour": figures.rate_h(plan.per_hr),
            "storage_per_hour": figures.rate_h(plan.storage_per_hr),
            "bid_per_gpu_per_hour": figures.rate_h(plan.spec.bid_per_gpu)}


def refused_by_caps(caps: CapCheck, what: str) -> Reply:
    title = f"Not starting {what}: it would break a cap"
    return Reply(title=title,
                 sections=(Section(lines=caps.refusals + tuple(f"Warning: {w}" for w in caps.warnings)),),
                 data={"error": "; ".join((title, *caps.refusals)), "usage": None}, ok=False, kind="refused")


def awaiting(verb: str, summary: str, approvers: Sequence[str], expires_at: datetime) -> Reply:
    who = ", ".join(f"<@{a}>" if a[:1] in "UW" else f"<#{a}>" for a in approvers) or "the admins"
    return Reply(title=f"Asked {who} to approve: {verb} {summary}",
                 sections=(Section(lines=(f"You will be told the outcome; the request lapses at "
                                          f"{expires_at:%H:%M} UTC.",)),),
                 data={"awaiting_approval": True, "verb": verb})


def started(pod: Pod, *, again: bool = False) -> Reply:
    head = "Already started" if again else "Started"
    return Reply(title=f"{head} {pod.name} ({pod.id}): {pod.gpu_count} × {pod.gpu_display_name or pod.gpu_type_id}",
                 sections=(Section(lines=(f"It boots in a minute or two; `ssh {pod.name}` then gives the command.",)),),
                 data={"pod": {"id": pod.id, "name": pod.name, "status": pod.status,
                               "per_hour": figures.rate_h(pod.cost_per_hr)}})


def pod_changed(pod: Pod, verb: str) -> Reply:
    said = {"stop": "Stopped", "resume": "Resumed", "terminate": "Terminated"}[verb]
    extra = {"stop": "Its volume is kept (and billed at the stopped rate); `resume` brings it back.",
             "resume": "It boots in a minute or two.", "terminate": "Its disks are gone."}[verb]
    return Reply(title=f"{said} {pod.name} ({pod.id})", sections=(Section(lines=(extra,)),),
                 data={"pod": {"id": pod.id, "name": pod.name, "status": pod.status}, "done": verb})


def resume_offer(pod: Pod, per_hr: Decimal, offer: Offer, caps: CapCheck) -> Reply:
    lines = [f"{money(per_hr, '/h')} while it runs."] + [f"Warning: {w}" for w in caps.warnings]
    if offer.needs_approval:
        lines.append("Above the approval threshold: an admin must approve it.")
    label = "Request approval" if offer.needs_approval else "Resume"
    return Reply(title=f"Resume {pod.name} ({pod.id}) at {money(per_hr, '/h')}?",
                 sections=(Section(lines=tuple(lines)),),
                 buttons=(Button(label, confirm_id("resume"), offer.nonce, style="primary"),
                          Button("Cancel", CANCEL, f"resume:{offer.nonce}")),
                 data={"nonce": offer.nonce, "pod": pod.id, "per_hour": figures.rate_h(per_hr),
                       "needs_approval": offer.needs_approval})


def terminate_offer(pod: Pod, offer: Offer) -> Reply:
    disks = f"{pod.container_disk_gb} GB container disk" + (f" and {pod.volume_gb} GB volume" if pod.volume_gb else "")
    return Reply(
        title=f"Terminate {pod.name} ({pod.id})?",
        sections=(Section(lines=(f"This deletes the pod and its {disks}; it cannot be undone.",)),),
        buttons=(Button("Terminate", confirm_id("terminate"), offer.nonce, style="danger",
                        confirm=f"Delete {pod.name} and its disks for good?"),
                 Button("Cancel", CANCEL, f"terminate:{offer.nonce}")),
        data={"nonce": offer.nonce, "pod": pod.id},
    )


def cancelled(verb: str) -> Reply:
    return Reply(title=f"Cancelled: nothing was done ({verb}).", data={"cancelled": verb})


def ssh(info: Ssh) -> Reply:
    lines = []
    if info.direct:
        lines.append(info.direct)
    if info.proxied:
        lines.append(info.proxied + "   (through RunPod's proxy: no scp/sftp)")
    if not lines and info.pod.status in (PodStatus.EXITED, PodStatus.PAUSED):
        name = info.pod.name
        return Reply(title=f"{name} is stopped ({info.pod.status.value.lower()}): there is nothing to SSH into",
                     sections=(Section(lines=(f"`resume {name}` starts it again (its GPUs bill from then on); "
                                              f"`ssh {name}` then gives the command.",)),),
                     data={"pod": info.pod.id, "ssh": None, "status": info.pod.status}, ok=False)
    if not lines:
        return Reply(title=f"{info.pod.name} has no SSH yet ({info.pod.status.value.lower()}); try again when it runs",
                     data={"pod": info.pod.id, "ssh": None}, ok=False)
    return Reply(title=f"SSH to {info.pod.name} ({info.pod.id})", sections=(Section(lines=tuple(lines)),),
                 data={"pod": info.pod.id, "direct": info.direct, "proxied": info.proxied,
                       "host": info.host, "port": info.port})


def ssh_config(entries: Sequence[Ssh]) -> Reply:
    blocks: list[str] = []
    for e in entries:
        if e.host and e.port:
            blocks += [f"Host {e.pod.name}", f"    HostName {e.host}", f"    Port {e.port}", "    User root",
                       "    IdentityFile ~/.ssh/id_ed25519", ""]
        elif e.user:
            blocks += [f"Host {e.pod.name}", "    HostName ssh.runpod.io", f"    User {e.user}",
                       "    IdentityFile ~/.ssh/id_ed25519", ""]
    if not blocks:
        return Reply(title="None of your pods runs with SSH now", data={"config": ""})
    text = "\n".join(blocks).rstrip()
    return Reply(title=f"~/.ssh/config for your {len(entries)} running pod(s)",
                 sections=(Section(lines=tuple(text.split("\n"))),), data={"config": text})
