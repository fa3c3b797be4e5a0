"""`keep`: a bounded, audited exemption of a pod from idle shutdown (the ledger's snoozes).

Members keep their own pods for at most `MAX_KEEP`; `forever` (for inference pods that idle
by design) is for admins and lasts ten years, which the daemon treats like any snooze.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from podwarden.domain.access import Actor, Refused
from podwarden.domain.answers import Kept
from podwarden.domain.durations import parse_duration
from podwarden.domain.ledger_values import AuditOutcome
from podwarden.errors import InputError
from podwarden.ports import Clock, Ledger
from podwarden.services.audit import AuditService
from podwarden.services.pods import PodsService, shown

MAX_KEEP = timedelta(days=7)
FOREVER = timedelta(days=3650)
_CLOCK = re.compile(r"^(?:until\s+)?(\d{1,2})(?::(\d{2}))?$", re.IGNORECASE)


def keep_until(text: str, *, now: datetime, zone: ZoneInfo) -> datetime:
    """`2h`, `90m`, `until 18:00` (the next 18:00 in the team's time zone) as an end time."""
    text = text.strip()
    m = _CLOCK.match(text) if text.lower().startswith("until") or ":" in text else None
    if m:
        hour, minute = int(m.group(1)), int(m.group(2) or 0)
        if hour > 23 or minute > 59:
            raise InputError(f"{shown(text)!r} is not a time of day (e.g. until 18:00)")
        local = now.astimezone(zone)
        end = datetime.combine(local.date(), time(hour, minute), tzinfo=zone)
        if end <= local:
            end += timedelta(days=1)
        return end.astimezone(now.tzinfo)
    if text.lower().startswith("until"):
        raise InputError(f"expected a time such as until 18:00, got {shown(text)!r}")
    return now + parse_duration(text)


class KeepService:
    def __init__(
        self, ledger: Ledger, clock: Clock, *, pods: PodsService, audit: AuditService, timezone: str = "UTC",
    ) -> None:
        self._ledger = ledger
        self._clock = clock
        self._pods = pods
        self._audit = audit
        self._zone = ZoneInfo(timezone)

    def keep(self, actor: Actor, ref: str, until: str, *, forever: bool = False) -> Kept:
        pod = self._pods.find(ref)
        self._pods.mine_or_admin(actor, "keep", pod)
        now = self._clock.now()
        if forever:
            if not actor.admin:  # the dispatcher checks too; a service never trusts its caller
                self._audit.refused(actor, "keep forever", "admins only", target=pod.id)
                raise Refused("`keep forever` is for admins (inference pods that idle by design)")
            end = now + FOREVER
        else:
            end = keep_until(until, now=now, zone=self._zone)
            if end - now > MAX_KEEP:
                raise InputError(f"a keep lasts at most {MAX_KEEP.days} days; ask an admin for `forever`")
        if self._ledger.pod(pod.id) is None:
            self._ledger.observe_pods([pod], now=now)
        snooze = self._ledger.snooze_pod(pod.id, until=end, by=actor.user_id, now=now,
                                         reason="forever" if forever else until)
        self._audit.record(actor, "keep", outcome=AuditOutcome.OK, target=pod.id,
                           args={"pod": pod.name, "until": end.isoformat(), "forever": forever})
        return Kept(pod_id=pod.id, pod_name=pod.name, until=snooze.until, by=actor.user_id, forever=forever)

    def list(self) -> list[Kept]:
        now = self._clock.now()
        out = []
        for pod_id, snooze in sorted(self._ledger.active_snoozes(now=now).items(), key=lambda kv: kv[1].until):
            record = self._ledger.pod(pod_id)
            out.append(Kept(pod_id=pod_id, pod_name=record.name if record else pod_id, until=snooze.until,
                            by=snooze.by, forever=snooze.until - now > MAX_KEEP))
        return out

    def cancel(self, actor: Actor, ref: str) -> int:
        pod = self._pods.find(ref)
        self._pods.mine_or_admin(actor, "keep cancel", pod)
        ended = self._ledger.clear_snoozes(pod.id, now=self._clock.now()) if self._ledger.pod(pod.id) else 0
        if not ended:
            raise InputError(f"{pod.name} is not kept; `keep list` shows what is")
        self._audit.record(actor, "keep cancel", outcome=AuditOutcome.OK, target=pod.id, args={"pod": pod.name})
        return ended
