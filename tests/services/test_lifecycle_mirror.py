"""The notice channel's copy of an owner's idle warning, deadline warning, cap notice and of
every shutdown notice.

With a notice channel, the owner is warned in a DM and the channel sees the same warning,
with the same buttons (pressing them there still needs the owner or an admin): a notice
of its own (the owner's key + ":channel") posted once, updated in place with the DM and
withdrawn with it. Only the owner's copy decides the stop: a channel that refuses posts
neither blocks nor delays it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.dispatch import Caller
from bot.handlers import build_dispatcher
from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.adapters.slack.render_notes import render
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import BudgetPeriod, BudgetScope, NoticeState
from podwarden.domain.notes import CapReached, DeadlineWarning, IdleWarning, PodStopped
from podwarden.services.lifecycle import LifecycleService
from tests.fakes.notifier import Crash
from tests.services.test_lifecycle_tick import ALICE, BOB, COPY, TEAM, World, build_world

CHANNEL = "C0NOTICE"


@pytest.fixture
def world(tmp_path: Path, ledger_url: str) -> Iterator[World]:
    yield from build_world(tmp_path, TEAM, database_url=ledger_url)


def _posts(world: World) -> list[tuple[str, str]]:
    """(where, key) of every post, in order."""
    return [(note.to, note.key) for note in world.notifier.sent]


def _state(world: World, key: str) -> NoticeState:
    notice = world.services.ledger.notice(key)
    assert notice is not None, key
    return notice.state


def test_one_warning_reaches_the_owner_and_the_channel_each_once_with_the_same_buttons(world: World) -> None:
    world.tick(31)
    [warning] = world.notes(IdleWarning)
    [copy] = world.notes(IdleWarning, copies=True)
    assert (warning.to, copy.to, copy.key) == (BOB, CHANNEL, warning.key + COPY)
    assert replace(copy, key=warning.key, to=BOB) == warning
    assert render(copy).buttons == render(warning).buttons
    assert [b.action_id for b in render(copy).buttons] == [ids.KEEP_1H, ids.KEEP_TOMORROW, ids.STOP_NOW]
    world.tick(2)
    assert _posts(world) == [(BOB, warning.key), (CHANNEL, copy.key)]
    assert (_state(world, warning.key), _state(world, copy.key)) == (NoticeState.SENT, NoticeState.SENT)


def test_the_shutdown_notice_reaches_both_and_both_warnings_say_stopped(world: World) -> None:
    world.tick(45)
    assert world.status("bob-notebook") == "RUNNING"
    world.tick(1)
    assert world.status("bob-notebook") == "EXITED"
    [warning], [stopped] = world.notes(IdleWarning), world.notes(PodStopped)
    [stopped_copy] = world.notes(PodStopped, copies=True)
    assert (stopped_copy.to, stopped_copy.key, stopped_copy.saves_per_hr) == (
        CHANNEL, stopped.key + COPY, stopped.saves_per_hr)
    assert [b.action_id for b in render(stopped_copy).buttons] == [ids.RESUME]
    world.tick(5)
    assert _posts(world) == [(BOB, warning.key), (CHANNEL, warning.key + COPY),
                             (BOB, stopped.key), (CHANNEL, stopped.key + COPY)]
    assert (world.updated(), world.updated(copies=True)) == ([(BOB, "stopped")], [(CHANNEL, "stopped")])


@pytest.mark.parametrize("crashed_after", ["the owner's copy", "the channel's copy"])
def test_a_crash_between_a_post_and_its_commit_posts_each_copy_once(world: World, crashed_after: str) -> None:
    world.tick(30)
    if crashed_after == "the owner's copy":
        world.notifier.crash_after_post = True
    else:
        world.notifier.crash_after_posting = COPY
    with pytest.raises(Crash):
        world.tick(1)
    world.fresh_daemon()  # a restarted daemon on the same ledger
    world.tick(20)
    [warning], [stopped] = world.notes(IdleWarning), world.notes(PodStopped)
    assert _posts(world) == [(BOB, warning.key), (CHANNEL, warning.key + COPY),
                             (BOB, stopped.key), (CHANNEL, stopped.key + COPY)]
    assert world.status("bob-notebook") == "EXITED"


def test_a_crashed_channel_copy_does_not_move_the_stop(world: World) -> None:
    world.tick(30)
    world.notifier.crash_after_posting = COPY
    with pytest.raises(Crash):
        world.tick(1)  # minute 31: the DM is delivered, the copy posted but not recorded
    world.fresh_daemon()
    world.tick(14)
    assert world.status("bob-notebook") == "RUNNING"
    world.tick(1)  # minute 46: the grace counts from the DM's delivery, as without a channel
    assert world.status("bob-notebook") == "EXITED"


def test_activity_returning_withdraws_the_warning_in_both_places(world: World) -> None:
    world.tick(31)
    world.sim.world.set_workload(world.pod_id("bob-notebook"), "busy")
    world.tick(1)
    assert (world.updated(), world.updated(copies=True)) == ([(BOB, "busy again")], [(CHANNEL, "busy again")])
    [copy] = world.notes(IdleWarning, copies=True)
    [(ref, _)] = [(ref, note) for ref, note in world.notifier.updates if note.key == copy.key]
    recorded = world.services.ledger.notice(copy.key)
    assert recorded is not None
    assert (recorded.state, recorded.channel, recorded.ts) == (NoticeState.WITHDRAWN, ref.channel, ref.ts)
    world.tick(30)
    assert world.status("bob-notebook") == "RUNNING"
    assert len(world.notifier.sent) == 2
    assert world.services.ledger.open_notices(pod_id=world.pod_id("bob-notebook")) == []


def test_keep_pressed_on_the_channel_copy_needs_the_owner_and_then_updates_both(world: World) -> None:
    world.tick(31)
    [copy] = world.notes(IdleWarning, copies=True)
    keep = render(copy).buttons[0]
    dispatcher = build_dispatcher(world.services)
    refused = dispatcher.act(keep.action_id, keep.value, Caller(ALICE, Role.MEMBER, channel_id=CHANNEL))
    assert not refused.ok
    assert world.services.ledger.active_snooze(copy.pod_id, now=world.services.clock.now()) is None
    kept = dispatcher.act(keep.action_id, keep.value, Caller(BOB, Role.MEMBER, channel_id=CHANNEL))
    assert kept.ok, kept.text()
    world.tick(1)
    assert (world.updated(), world.updated(copies=True)) == ([(BOB, "kept")], [(CHANNEL, "kept")])
    world.tick(30)
    assert world.status("bob-notebook") == "RUNNING"


def test_a_channel_that_refuses_posts_neither_blocks_nor_delays_the_warning_or_the_stop(world: World) -> None:
    world.notifier.fail_to.add(CHANNEL)
    world.tick(31)
    [warning] = world.notes(IdleWarning)
    assert warning.to == BOB
    assert _state(world, warning.key) is NoticeState.SENT
    assert _state(world, warning.key + COPY) is NoticeState.FAILED
    world.tick(14)
    assert world.status("bob-notebook") == "RUNNING"
    world.tick(1)  # minute 46, as without a channel
    assert world.status("bob-notebook") == "EXITED"
    [stopped] = world.notes(PodStopped)
    assert stopped.to == BOB
    assert _posts(world) == [(BOB, warning.key), (BOB, stopped.key)]
    assert (world.updated(), world.updated(copies=True)) == ([(BOB, "stopped")], [])
    assert _state(world, warning.key + COPY) is NoticeState.WITHDRAWN  # withdrawn with its warning, unposted
    world.notifier.fail_to.clear()
    world.tick(1)  # the channel is back: the shutdown notice's copy goes out, the stale warning's does not
    assert _posts(world)[2:] == [(CHANNEL, stopped.key + COPY)]


def test_a_dm_that_fell_back_to_the_channel_is_not_posted_there_twice(world: World) -> None:
    world.notifier.fail_to.add(BOB)
    world.tick(46)
    assert world.status("bob-notebook") == "EXITED"
    [warning], [stopped] = world.notes(IdleWarning), world.notes(PodStopped)
    assert _posts(world) == [(CHANNEL, warning.key), (CHANNEL, stopped.key)]
    assert _state(world, warning.key + COPY) is NoticeState.WITHDRAWN
    assert _state(world, stopped.key + COPY) is NoticeState.WITHDRAWN
    assert world.updated() == [(CHANNEL, "stopped")]


def _daemon(world: World, notice_channel: str | None) -> LifecycleService:
    services = world.services
    world.daemon = LifecycleService(
        runpod=services.runpod, ledger=services.ledger, notifier=services.notifier, clock=services.clock,
        policy=replace(world.daemon.policy, notice_channel=notice_channel), book=services.costs.book,
    )
    return world.daemon


@pytest.mark.parametrize("crash", [False, True])
def test_a_dm_that_fell_back_to_a_channel_set_by_name_is_not_posted_there_twice(world: World, crash: bool) -> None:
    """Slack answers a post to "#gpu-alerts" with the channel's id: the fallback itself drops the copy."""
    world.notifier.aliases["#gpu-alerts"] = CHANNEL
    world.notifier.fail_to.add(BOB)
    _daemon(world, "#gpu-alerts")
    world.tick(30)
    world.notifier.crash_after_post = crash
    if crash:  # killed right after the fallback post: the restarted daemon finds it in the channel
        with pytest.raises(Crash):
            world.tick(1)
        _daemon(world, "#gpu-alerts")
    world.tick(20)
    assert world.status("bob-notebook") == "EXITED"
    [warning], [stopped] = world.notes(IdleWarning), world.notes(PodStopped)
    assert _posts(world) == [("#gpu-alerts", warning.key), ("#gpu-alerts", stopped.key)]
    assert _state(world, warning.key + COPY) is NoticeState.WITHDRAWN


def test_without_a_notice_channel_only_the_owner_is_told(world: World) -> None:
    _daemon(world, None)
    world.tick(46)
    assert world.status("bob-notebook") == "EXITED"
    [warning], [stopped] = world.notes(IdleWarning), world.notes(PodStopped)
    assert _posts(world) == [(BOB, warning.key), (BOB, stopped.key)]
    assert world.updated() == [(BOB, "stopped")]
    assert world.services.ledger.notice(warning.key + COPY) is None
    assert world.services.ledger.notice(stopped.key + COPY) is None


def test_a_deadline_warning_and_the_stop_at_the_deadline_reach_the_channel_too(world: World) -> None:
    alice = world.pod_id("alice-train")
    now = world.services.clock.now()
    world.services.ledger.set_pod_deadline(alice, now + timedelta(minutes=40), now=now)
    world.tick(25)
    [warning], [copy] = world.notes(DeadlineWarning), world.notes(DeadlineWarning, copies=True)
    assert (warning.to, copy.to, copy.key) == (ALICE, CHANNEL, warning.key + COPY)
    assert replace(copy, key=warning.key, to=ALICE) == warning
    assert render(copy).buttons == render(warning).buttons
    world.tick(15)
    assert world.status("alice-train") == "EXITED"
    [stopped] = [n for n in world.notes(PodStopped) if n.pod_id == alice]
    [stopped_copy] = [n for n in world.notes(PodStopped, copies=True) if n.pod_id == alice]
    assert (stopped_copy.to, stopped_copy.key, stopped_copy.reason) == (CHANNEL, stopped.key + COPY, "deadline")
    world.tick(1)
    said = [(ref.channel, note.state) for ref, note in world.notifier.updates if isinstance(note, DeadlineWarning)]
    assert said == [(ALICE, "stopped"), (CHANNEL, "stopped")]
    assert [key for to, key in _posts(world) if to == CHANNEL and alice in key] == [copy.key, stopped_copy.key]


def test_a_members_cap_notice_and_the_stop_it_makes_reach_the_channel_too(world: World) -> None:
    alice = world.pod_id("alice-train")
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     hard=True, now=world.services.clock.now(), action="stop")
    world.tick(1)
    [cap], [copy] = world.notes(CapReached), world.notes(CapReached, copies=True)
    assert (cap.to, copy.to, copy.key, copy.stopping) == (ALICE, CHANNEL, cap.key + COPY, (alice,))
    world.tick(1)
    assert world.status("alice-train") == "EXITED"
    [stopped] = world.notes(PodStopped)
    [stopped_copy] = world.notes(PodStopped, copies=True)
    assert (stopped.to, stopped_copy.to, stopped_copy.reason) == (ALICE, CHANNEL, "cap")
    world.tick(3)
    assert _posts(world) == [(ALICE, cap.key), (CHANNEL, copy.key), (ALICE, stopped.key), (CHANNEL, stopped_copy.key)]


def test_a_cap_notice_already_addressed_to_the_channel_is_posted_there_once(world: World) -> None:
    world.services.ledger.set_budget(BudgetScope.GLOBAL, None, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     now=world.services.clock.now())
    world.tick(3)
    [cap] = world.notes(CapReached)
    assert _posts(world) == [(CHANNEL, cap.key)]
    assert world.notes(CapReached, copies=True) == []


def test_a_member_over_a_soft_hourly_cap_all_afternoon_is_told_every_hour_and_the_channel_not_at_all(
    world: World,
) -> None:
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("1.00"), period=BudgetPeriod.HOUR,
                                     now=world.services.clock.now())
    world.tick(3 * 60)
    told = world.notes(CapReached)
    assert len(told) >= 3  # one an hour, to alice
    assert {cap.to for cap in told} == {ALICE}
    assert world.notes(CapReached, copies=True) == []  # no hourly message in the team's channel


def test_a_member_over_a_daily_cap_is_copied_to_the_channel_once(world: World) -> None:
    world.services.ledger.set_budget(BudgetScope.USER, ALICE, amount=Decimal("0.50"), period=BudgetPeriod.DAY,
                                     now=world.services.clock.now())
    world.tick(2 * 60)
    [cap] = world.notes(CapReached)
    [copy] = world.notes(CapReached, copies=True)
    assert (cap.to, copy.to, copy.key, cap.period) == (ALICE, CHANNEL, cap.key + COPY, "day")
