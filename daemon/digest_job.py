"""The weekly digest job: post the last full week's digest to the digest channel, once.

The daemon's scheduler calls `run` on its cron (and may call it on every tick: it is cheap
when nothing is due). The week due is the one before the latest digest moment (settings'
day and time, Monday 09:00 by default, in the team's zone) that has passed. Posting it once,
whatever crashes, restarts or replicas do, is `services.digest_delivery`'s discipline (the
bot's `digest now` posts through it too, so the two never post the same week twice).

A post or an upload cut short leaves the week `sending`: the scheduler runs `retry` every
`STALE_AFTER`, so that it is finished without a restart. A week whose moment passed while
nothing ran is posted once, late, and says so. Only the latest due week is posted.

`retry` is `run` (the same week, the same claim), so the weekly cron job is there only to
post on time: the retry fires every `STALE_AFTER` from the daemon's start, not at the moment
(Monday 09:00 would become any time up to 09:10), and the cron also runs once at start.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from podwarden import bootstrap
from podwarden.services.digest_delivery import STALE_AFTER, Outcome

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

# STALE_AFTER and Outcome are the delivery's, named here too: the scheduler retries every STALE_AFTER.
__all__ = ["NO_CHANNEL", "STALE_AFTER", "Outcome", "due_moment", "retry", "run"]

log = logging.getLogger(__name__)

NO_CHANNEL = (
    "digest: no digest channel is set (PODWARDEN_DIGEST_CHANNEL), so the weekly digest is not posted"
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def due_moment(now: datetime, zone: ZoneInfo, day: str, at: time) -> tuple[date, datetime]:
    """The latest digest moment at or before `now` and the Monday of the week it reports."""
    local = now.astimezone(zone)
    weekday = _WEEKDAYS.index(str(day).lower()[:3])
    candidate = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    moment = datetime.combine(candidate, at, tzinfo=zone)
    if moment > local:
        candidate -= timedelta(days=7)
        moment = datetime.combine(candidate, at, tzinfo=zone)
    monday_of_moment = candidate - timedelta(days=candidate.weekday())
    return monday_of_moment - timedelta(days=7), moment


def run(services: Services) -> Outcome:
    """Post the digest of the last full week to the digest channel, once."""
    settings = services.settings
    channel = settings.digest_channel
    if not channel:
        log.info(NO_CHANNEL)
        return Outcome.NO_CHANNEL
    now = services.clock.now()
    week, moment = due_moment(now, settings.zone, settings.digest_day, settings.digest_time)
    return bootstrap.digest_delivery(services).post_week(week, channel=channel, now=now, moment=moment)


def retry(services: Services) -> Outcome | None:
    """`run` again, quietly when no digest channel is set: a post or an upload cut short (a crash,
    a failed upload) is finished once its claim is stale. A week already sent costs one small
    write transaction every `STALE_AFTER` (the claim's insert-or-nothing and its conditional
    take-over, both of which find the week sent and change nothing), not a read of Slack."""
    if not services.settings.digest_channel:
        return None
    return run(services)
