"""The weekly digest job: post the last full week's digest to the digest channel, once.

The daemon's scheduler calls `run` on its cron (and may call it on every tick: it is cheap
when nothing is due). The week due is the one before the latest digest moment (settings'
day and time, Monday 09:00 by default, in the team's zone) that has passed. Posting follows
the notices' discipline, so that restarts and replicas never post twice:

1. claim the week for the channel in the ledger (`sending`); a claim already there is left
   alone while fresh (another process is posting it), or taken over when stale (its
   process died), in which case the channel's history is searched for the message first;
2. post it, carrying the week's key (and which files it needs) as message metadata;
3. upload its files (the week's CSV, and the chart on a workspace without the newer blocks)
   in its thread;
4. mark it `sent`.

A process that dies between 2 and 4, or whose upload failed, leaves `sending`: the next run
once the claim is stale finds the message by its key, uploads its files, and marks it sent
(the files alone may go up twice, if the process died right after uploading them: never the
digest). The scheduler runs the job every `STALE_AFTER` too, so that this happens without a
restart. A week whose moment passed while nothing ran is posted once, late, and says so.
Only the latest due week is posted.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from podwarden.domain.spend_values import DigestClaim
from podwarden.errors import NotifyError
from podwarden.ports import DigestPublisher

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # a `sending` claim older than this belongs to a dead process
LATE_AFTER = timedelta(hours=1)  # posted later than this after its moment: says it is late
NO_CHANNEL = (
    "digest: no digest channel is set (PODWARDEN_DIGEST_CHANNEL), so the weekly digest is not posted"
)
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Outcome(StrEnum):
    POSTED = "posted"
    RECONCILED = "reconciled"  # found already posted after a crash, marked sent
    ALREADY_SENT = "already sent"
    BUSY = "busy"  # another process is posting it
    NO_CHANNEL = "no channel"
    FAILED = "failed"


def digest_key(week_start: date, channel: str) -> str:
    return f"digest:{week_start.isoformat()}:{channel}"


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
    return post_week(services, week, channel=channel, now=now, moment=moment)


def retry(services: Services) -> Outcome | None:
    """`run` again, quietly when no digest channel is set: a post or an upload cut short (a crash,
    a failed upload) is finished once its claim is stale; a week already sent costs one read."""
    if not services.settings.digest_channel:
        return None
    return run(services)


def post_week(
    services: Services, week: date, *, channel: str, now: datetime, moment: datetime | None = None,
) -> Outcome:
    """Post the digest of `week` to `channel` unless it already was (`digest now` comes here too)."""
    from podwarden.bootstrap import reporting

    publisher = _publisher(services)
    key = digest_key(week, channel)
    claim = services.ledger.claim_digest(week, channel, now=now, stale_after=STALE_AFTER)
    if claim is DigestClaim.SENT:
        return Outcome.ALREADY_SENT
    if claim is DigestClaim.BUSY:
        log.info("digest: the week of %s is being posted by another process", week)
        return Outcome.BUSY
    found = None
    if claim is DigestClaim.RECONCILE:
        try:
            found = publisher.find(channel, key, oldest=(moment or now) - timedelta(days=1))
        except NotifyError as exc:  # posting again blind could post twice: wait for the history instead
            log.warning("digest: could not look for the week of %s in %s (%s); retried after %s",
                        week, channel, exc, STALE_AFTER)
            return Outcome.FAILED
    digest = reporting(services).digest(week)
    if moment is not None and now - moment > LATE_AFTER:
        digest = dataclasses.replace(digest, late_by=now - moment)
    ref = found
    if ref is None:
        try:
            ref = publisher.publish(digest, channel=channel, key=key)
        except NotifyError as exc:
            log.warning("digest: the week of %s was not posted (%s); retried after %s", week, exc, STALE_AFTER)
            return Outcome.FAILED
    try:
        publisher.attach(digest, ref)
    except NotifyError as exc:  # left `sending`: the run after STALE_AFTER finds the post and uploads them
        log.warning("digest: the week of %s is in %s, but its files are not (%s); uploaded after %s",
                    week, channel, exc, STALE_AFTER)
        return Outcome.POSTED if found is None else Outcome.FAILED
    services.ledger.finish_digest(week, channel, ts=ref.ts, now=now)
    if found is not None:
        log.info("digest: the week of %s was already posted (%s); its files uploaded, marked sent", week, ref.ts)
        return Outcome.RECONCILED
    log.info("digest: the week of %s posted to %s", week, channel)
    return Outcome.POSTED


def _publisher(services: Services) -> DigestPublisher:
    if services.digest_publisher is not None:
        return services.digest_publisher
    import sys

    from podwarden.adapters.slack.digest_publisher import ConsoleDigestPublisher
    from podwarden.bootstrap import digest_directory

    return ConsoleDigestPublisher(sys.stdout, digest_directory(), now=services.clock.now)
