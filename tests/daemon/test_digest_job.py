"""The weekly digest job against a fake Slack: one post per week, whatever happens.

Fired twice, run by two replicas at once, killed between the post and the ledger's `sent`,
or run days late: the channel gets the week's digest exactly once. Workspaces without the
newer blocks get text tables and a PNG; every digest carries its CSV in its thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from daemon import digest_job
from daemon.digest_job import Outcome
from podwarden import bootstrap
from podwarden.adapters.slack.digest_publisher import METADATA_EVENT, SlackDigestPublisher
from podwarden.bootstrap import Services
from podwarden.clock import ManualClock
from tests.fakes.digest_slack import DigestSlack
from tests.services.digest_seed import seed_two_weeks

WEEK = date(2026, 11, 16)
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class Crash(BaseException):
    """The process dying: not an error anything catches."""


@pytest.fixture
def slack() -> Iterator[DigestSlack]:
    with DigestSlack() as fake:
        yield fake


def build(tmp_path: Path, slack: DigestSlack, clock: ManualClock, **settings: Any) -> Services:
    config = bootstrap.settings(database_url=f"sqlite:///{tmp_path / 'ledger.db'}", runpod_max_retries=0,
                                **{"digest_channel": "C0DIGEST", **settings})
    slack.now = clock.now
    return bootstrap.build(config, sim=bootstrap.simulator(scenario=None, clock=clock), clock=clock,
                           digest_publisher=SlackDigestPublisher(slack.client()))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(MONDAY_9 + timedelta(minutes=1))


@pytest.fixture
def services(podwarden_env: Path, tmp_path: Path, slack: DigestSlack, clock: ManualClock) -> Iterator[Services]:
    with build(tmp_path, slack, clock) as built:
        seed_two_weeks(built.ledger)  # type: ignore[arg-type]
        yield built


def test_fired_twice_the_week_is_posted_once_with_its_csv_in_the_thread(
    services: Services, slack: DigestSlack, clock: ManualClock,
) -> None:
    assert digest_job.run(services) is Outcome.POSTED
    clock.advance(timedelta(minutes=5))
    assert digest_job.run(services) is Outcome.ALREADY_SENT

    [post] = slack.posts("C0DIGEST")
    assert post["metadata"] == {"event_type": METADATA_EVENT,
                                "event_payload": {"key": "digest:2026-11-16:C0DIGEST", "files": "csv"}}
    assert post["text"].startswith("GPU spend, week of Mon 16 Nov 2026: $173.32")
    assert {b["type"] for b in post["blocks"]} >= {"table", "data_visualization"}
    [csv] = slack.uploads.values()
    assert (csv.filename, csv.channel, csv.thread_ts) == ("podwarden-spend-2026-11-16.csv", "C0DIGEST", post["ts"])
    assert csv.data.startswith(b"kind,id,name,owner")
    assert services.ledger.digest_sent(WEEK, "C0DIGEST")


def test_two_replicas_at_once_post_it_once(
    services: Services, slack: DigestSlack, clock: ManualClock, tmp_path: Path,
) -> None:
    with build(tmp_path, slack, clock) as replica:
        start = threading.Barrier(2)
        outcomes: list[Outcome] = []

        def one(built: Services) -> None:
            start.wait()
            outcomes.append(digest_job.run(built))

        threads = [threading.Thread(target=one, args=(s,)) for s in (services, replica)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(outcomes) == sorted([Outcome.POSTED, Outcome.BUSY])
    assert len(slack.posts("C0DIGEST")) == 1


def test_a_process_killed_between_posting_and_recording_does_not_post_again(
    services: Services, slack: DigestSlack, clock: ManualClock, monkeypatch: pytest.MonkeyPatch,
) -> None:
    def die(*args: object, **kwargs: object) -> None:
        raise Crash

    with monkeypatch.context() as patch:
        patch.setattr(services.ledger, "finish_digest", die)
        with pytest.raises(Crash):
            digest_job.run(services)
    assert len(slack.posts("C0DIGEST")) == 1

    clock.advance(timedelta(minutes=2))
    assert digest_job.run(services) is Outcome.BUSY  # a fresh claim may still be posting: left alone
    clock.advance(digest_job.STALE_AFTER)
    assert digest_job.run(services) is Outcome.RECONCILED  # found in the history by its key
    assert digest_job.run(services) is Outcome.ALREADY_SENT
    assert len(slack.posts("C0DIGEST")) == 1


@pytest.mark.parametrize("native", [True, False])
def test_files_whose_upload_failed_are_uploaded_by_the_next_process_that_finds_the_post(
    services: Services, slack: DigestSlack, clock: ManualClock, tmp_path: Path, native: bool,
) -> None:
    slack.native_blocks = native
    slack.upload_status = 500  # the file's own upload fails: slack_sdk's SlackRequestError, not an API error
    assert digest_job.run(services) is Outcome.POSTED  # the digest itself is in the channel
    assert (len(slack.posts("C0DIGEST")), slack.uploads_done()) == (1, [])
    slack.upload_status = 200

    clock.advance(digest_job.STALE_AFTER)
    with build(tmp_path, slack, clock) as restarted:  # a new process: nothing remembered but the ledger and Slack
        assert digest_job.retry(restarted) is Outcome.RECONCILED  # the scheduler's retry, no restart needed
        assert digest_job.retry(restarted) is Outcome.ALREADY_SENT
    [post] = slack.posts("C0DIGEST")
    names = sorted(u.filename for u in slack.uploads_done())
    expected = ["podwarden-spend-2026-11-16.csv"] + ([] if native else ["podwarden-spend-2026-11-16.png"])
    assert names == expected
    assert {(u.channel, u.thread_ts) for u in slack.uploads_done()} == {("C0DIGEST", post["ts"])}
    assert next(u for u in slack.uploads_done() if u.filename.endswith(".csv")).data.startswith(b"kind,id,")


def test_an_upload_that_keeps_failing_is_retried_and_digest_now_says_the_digest_is_in_the_channel(
    services: Services, slack: DigestSlack, clock: ManualClock,
) -> None:
    from bot.dispatch import Caller
    from bot.handlers import build_dispatcher
    from podwarden.domain.access import Role

    slack.upload_status = 202  # a non-200 success: slack_sdk raises SlackRequestError, which must not escape
    assert digest_job.run(services) is Outcome.POSTED
    clock.advance(digest_job.STALE_AFTER)
    assert digest_job.retry(services) is Outcome.FILES_PENDING  # in the channel; its files tried again later
    clock.advance(timedelta(days=2))  # uploads fail for two days; an admin asks for the digest
    answer = build_dispatcher(services).handle("digest now", Caller("U0ADMIN", Role.ADMIN, "C0TEAM"))
    assert answer.ok, answer.text()
    assert answer.title == "The digest of the week of 2026-11-16 is in <#C0DIGEST>; its files go up later."
    assert len(slack.posts("C0DIGEST")) == 1  # found two days on, not posted again
    slack.upload_status = 200
    clock.advance(digest_job.STALE_AFTER)
    assert digest_job.retry(services) is Outcome.RECONCILED
    assert [u.filename for u in slack.uploads_done()] == ["podwarden-spend-2026-11-16.csv"]
    assert len(slack.posts("C0DIGEST")) == 1


@pytest.mark.parametrize("native", [True, False])
def test_files_slack_shared_although_its_answer_was_lost_are_not_put_in_the_thread_twice(
    services: Services, slack: DigestSlack, clock: ManualClock, tmp_path: Path, native: bool,
) -> None:
    slack.native_blocks = native
    slack.lose_completions = 1  # Slack shares the files, but its answer to the last step never arrives
    assert digest_job.run(services) is Outcome.POSTED
    [post] = slack.posts("C0DIGEST")
    shared = sorted(u.filename for u in slack.in_thread("C0DIGEST", post["ts"]))
    assert shared == sorted(["podwarden-spend-2026-11-16.csv"] + ([] if native else ["podwarden-spend-2026-11-16.png"]))
    clock.advance(digest_job.STALE_AFTER)
    with build(tmp_path, slack, clock) as restarted:
        assert digest_job.retry(restarted) is Outcome.RECONCILED
    assert sorted(u.filename for u in slack.in_thread("C0DIGEST", post["ts"])) == shared  # each file once
    assert services.ledger.digest_sent(WEEK, "C0DIGEST")


def test_an_upload_slack_refuses_for_good_finishes_the_week_without_its_files_and_says_so_once(
    services: Services, slack: DigestSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    slack.refuse_uploads = "not_in_channel"  # the bot may post (chat:write.public) but not share files there
    with caplog.at_level(logging.WARNING):
        assert digest_job.run(services) is Outcome.POSTED
        for _ in range(6):  # an hour of the scheduler's retries
            clock.advance(digest_job.STALE_AFTER)
            assert digest_job.retry(services) is Outcome.ALREADY_SENT
    assert slack.uploads == {}
    assert len(slack.posts("C0DIGEST")) == 1
    said = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("podwarden.services.digest")]
    [(level, message)] = said
    assert level == "ERROR"
    assert "not_in_channel" in message


def test_the_retry_is_quiet_without_a_digest_channel(
    podwarden_env: Path, tmp_path: Path, slack: DigestSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    with build(tmp_path, slack, clock, digest_channel="") as built, caplog.at_level(logging.INFO):
        assert digest_job.retry(built) is None
    assert [r for r in caplog.records if r.name in {"daemon.digest_job", "podwarden.services.digest_delivery"}] == []


def test_the_bots_digest_now_and_the_weekly_job_post_the_week_once_between_them(
    services: Services, slack: DigestSlack,
) -> None:
    from bot.dispatch import Caller
    from bot.handlers import build_dispatcher
    from podwarden.domain.access import Role

    posted = build_dispatcher(services).handle("digest now", Caller("U0ADMIN", Role.ADMIN, "C0TEAM"))

    assert posted.data["outcome"] == Outcome.POSTED.value
    assert digest_job.run(services) is Outcome.ALREADY_SENT  # the same week, claimed in the same ledger
    assert len(slack.posts("C0DIGEST")) == 1


def test_a_post_that_failed_is_retried_once_its_claim_is_stale(
    services: Services, slack: DigestSlack, clock: ManualClock,
) -> None:
    slack.refuse_posts = "channel_not_found"  # e.g. the channel was being re-created
    assert digest_job.run(services) is Outcome.FAILED
    slack.refuse_posts = None
    clock.advance(digest_job.STALE_AFTER + timedelta(seconds=1))
    assert digest_job.run(services) is Outcome.POSTED
    assert len(slack.posts("C0DIGEST")) == 1


def test_a_workspace_without_the_new_blocks_gets_text_tables_and_a_png(
    services: Services, slack: DigestSlack,
) -> None:
    slack.native_blocks = False

    assert digest_job.run(services) is Outcome.POSTED

    assert len(slack.refused) == 1
    [post] = slack.posts("C0DIGEST")
    assert {b["type"] for b in post["blocks"]} <= {"header", "section", "context"}
    png, csv = sorted(slack.uploads.values(), key=lambda u: u.filename, reverse=True)
    assert png.filename == "podwarden-spend-2026-11-16.png"
    assert png.data[:8] == b"\x89PNG\r\n\x1a\n"
    assert (png.thread_ts, csv.thread_ts) == (post["ts"], post["ts"])


def test_a_week_missed_while_nothing_ran_is_posted_once_late_and_says_so(
    services: Services, slack: DigestSlack, clock: ManualClock,
) -> None:
    clock.set(datetime(2026, 11, 26, 15, 0, tzinfo=UTC))  # Thursday: Monday's moment passed unseen

    assert digest_job.run(services) is Outcome.POSTED
    assert digest_job.run(services) is Outcome.ALREADY_SENT

    [post] = slack.posts("C0DIGEST")
    assert "week of Mon 16 Nov 2026 (posted late" in post["text"]
    assert "3.3 days ago" in post["text"]


def test_the_total_is_checked_against_the_simulators_billing(services: Services, slack: DigestSlack) -> None:
    digest_job.run(services)  # the simulator billed nothing this week; the seeded ledger says $173.32

    [post] = slack.posts("C0DIGEST")
    cross = next(b["text"]["text"] for b in post["blocks"] if b["type"] == "section"
                 and b["text"]["text"].startswith("*Cross-check*"))
    assert "the simulator's billing: $0.00 vs ours $173.32" in cross
    assert "more than 2 %" in cross


def test_without_a_digest_channel_the_job_says_so_in_one_line(
    podwarden_env: Path, tmp_path: Path, slack: DigestSlack, clock: ManualClock, caplog: pytest.LogCaptureFixture,
) -> None:
    with build(tmp_path, slack, clock, digest_channel="") as built, caplog.at_level(logging.INFO):
        assert digest_job.run(built) is Outcome.NO_CHANNEL
    assert [r.getMessage() for r in caplog.records if r.name == "daemon.digest_job"] == [digest_job.NO_CHANNEL]
    assert slack.posts() == []


def test_the_job_posts_the_last_full_week_even_when_it_is_empty(
    podwarden_env: Path, tmp_path: Path, slack: DigestSlack,
) -> None:
    """The preview falls back to this week so far; the weekly post never does."""
    from podwarden.domain.models import PodStatus
    from tests.services.digest_seed import RTX4090, add_pod

    clock = ManualClock(datetime(2026, 11, 30, 9, 1, tzinfo=UTC))
    with build(tmp_path, slack, clock) as fresh:
        add_pod(fresh.ledger, "pod-4090", "new-4090")  # type: ignore[arg-type]
        fresh.ledger.add_pod_interval(
            "pod-4090", status=PodStatus.RUNNING, started_at=datetime(2026, 11, 30, tzinfo=UTC), ended_at=None,
            cost_per_hr=Decimal("0.69"), storage_per_hr=Decimal("0.01"), gpu_type_id=RTX4090, gpu_count=1,
            owner_id="U0ALICE", team="ml", idle=False)

        assert digest_job.run(fresh) is Outcome.POSTED

    [post] = slack.posts("C0DIGEST")
    assert post["text"].startswith("GPU spend, week of Mon 23 Nov 2026: $0.00 (no spend either week")
