"""Posting a week's digest to a channel exactly once, whichever process or face posts it.

Two faces post the digest: the daemon's weekly job (on its schedule, and again to finish a
post cut short) and an admin's `digest now` in the bot. Both come here, so that one
discipline holds across processes, restarts and replicas:

1. claim the week for the channel in the ledger (`sending`); a claim already there is left
   alone while fresh (another process is posting it), or taken over when stale (its
   process died), in which case the channel's history is searched for the message first;
2. post it, carrying the week's key (and which files it needs) as message metadata;
3. upload its files (the week's CSV, and the chart on a workspace without the newer blocks)
   in its thread;
4. mark it `sent`.

A process that dies between 2 and 4, or whose upload failed and may work later, leaves
`sending`: the next post once the claim is stale finds the message by its key, uploads its
files that its thread does not already hold (so neither a process that died right after
uploading them nor a lost answer to the upload's last step puts them up twice), and marks
it sent.
The history is searched from the day before the week's own end, whoever posts and however
late: a digest is never posted after the week ended, and a week left `sending` for days
(uploads failing) is still found. An upload Slack refuses for good (the bot not in the
channel, no `files:write`) is final: the digest is marked sent without its files and the
refusal logged once. A reconciled digest's files are built from the ledger again, so a
late correction to the week's rows (a pod interval closed after the post) shows in the CSV
and not in the message. Which week is due, and when to try again, is the caller's business.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum

from podwarden.domain.spend_values import DigestClaim
from podwarden.errors import NotifyError
from podwarden.ports import DigestPublisher, SpendLedger
from podwarden.services.reporting import ReportingService

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=10)  # a `sending` claim older than this belongs to a dead process
LATE_AFTER = timedelta(hours=1)  # posted later than this after its moment: says it is late


class Outcome(StrEnum):
    POSTED = "posted"
    RECONCILED = "reconciled"  # found already posted after a crash, marked sent
    ALREADY_SENT = "already sent"
    BUSY = "busy"  # another process is posting it
    NO_CHANNEL = "no channel"
    FILES_PENDING = "files pending"  # in the channel already; its files failed again, tried later
    FAILED = "failed"


def digest_key(week_start: date, channel: str) -> str:
    return f"digest:{week_start.isoformat()}:{channel}"


def search_from(week_start: date) -> datetime:
    """Where a week's digest is looked for in the channel's history: the day before the week's
    end (in UTC, so any team zone's end is covered). Neither the due moment nor now: `digest now`
    has no moment, and a week left `sending` for days would fall out of a window behind now."""
    return datetime.combine(week_start + timedelta(days=7), time(), tzinfo=UTC) - timedelta(days=1)


class DigestDelivery:
    """Posts a week's digest through `publisher`, claimed and finished in `ledger`."""

    def __init__(self, *, ledger: SpendLedger, publisher: DigestPublisher, reporting: ReportingService) -> None:
        self._ledger = ledger
        self._publisher = publisher
        self._reporting = reporting

    def post_week(self, week: date, *, channel: str, now: datetime, moment: datetime | None = None) -> Outcome:
        """Post the digest of `week` to `channel` unless it already was. `moment` is when it was
        due (the weekly job's): a post later than `LATE_AFTER` after it says it is late."""
        publisher = self._publisher
        key = digest_key(week, channel)
        claim = self._ledger.claim_digest(week, channel, now=now, stale_after=STALE_AFTER)
        if claim is DigestClaim.SENT:
            return Outcome.ALREADY_SENT
        if claim is DigestClaim.BUSY:
            log.info("digest: the week of %s is being posted by another process", week)
            return Outcome.BUSY
        found = None
        if claim is DigestClaim.RECONCILE:
            try:
                found = publisher.find(channel, key, oldest=search_from(week))
            except NotifyError as exc:  # posting again blind could post twice: wait for the history instead
                log.warning("digest: could not look for the week of %s in %s (%s); retried after %s",
                            week, channel, exc, STALE_AFTER)
                return Outcome.FAILED
        digest = self._reporting.digest(week)
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
            refused = publisher.attach(digest, ref)
        except NotifyError as exc:  # left `sending`: the post after STALE_AFTER finds it and uploads them
            log.warning("digest: the week of %s is in %s, but its files are not (%s); uploaded after %s",
                        week, channel, exc, STALE_AFTER)
            return Outcome.POSTED if found is None else Outcome.FILES_PENDING
        if refused is not None:
            log.error("digest: the week of %s is in %s without its files: Slack refuses them (%s), which no "
                      "retry changes; the week is done (invite the bot to the channel, give it files:write)",
                      week, channel, refused)
        self._ledger.finish_digest(week, channel, ts=ref.ts, now=now)
        if found is not None:
            log.info("digest: the week of %s was already posted (%s); its files uploaded, marked sent", week, ref.ts)
            return Outcome.RECONCILED
        log.info("digest: the week of %s posted to %s", week, channel)
        return Outcome.POSTED
