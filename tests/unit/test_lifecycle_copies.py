"""Which notices the notice channel gets a copy of, and how a copy's key names its original."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from podwarden.domain import channel_copies as copies
from podwarden.domain import lifecycle as core
from podwarden.domain.notes import (
    CapReached,
    DeadlineWarning,
    IdleWarning,
    Note,
    PodStopped,
    SpotEvicted,
    SshReady,
)

CHANNEL = "C0NOTICE"
AT = datetime(2026, 11, 23, 9, 1, tzinfo=UTC)
RATE = Decimal("0.69")


def _cap(period: str, stopping: tuple[str, ...] = (), to: str = "U0BOB") -> CapReached:
    return CapReached(f"cap:user:{to}:{period}:w", to, "user", to, period, Decimal(10), Decimal(12), bool(stopping),
                      stopping)


@pytest.mark.parametrize("note", [
    IdleWarning("idle:p", "U0BOB", "p", "bob-notebook", AT, AT, RATE),
    DeadlineWarning("deadline:p", "U0BOB", "p", "bob-notebook", AT, RATE),
    PodStopped("stopped:p", "U0BOB", "p", "bob-notebook", "idle", RATE, Decimal("0.01")),
    _cap("day"),
    _cap("month"),
    _cap("hour", stopping=("p",)),
], ids=["idle warning", "deadline warning", "shutdown notice", "daily cap", "monthly cap", "hourly cap that stops"])
def test_the_team_sees_what_is_about_to_stop_what_stopped_and_the_caps_that_cost_a_budget(note: Note) -> None:
    assert copies.channel_copy(note, CHANNEL) == CHANNEL


def test_a_soft_hourly_cap_a_new_notice_every_hour_stays_with_its_owner() -> None:
    assert copies.channel_copy(_cap("hour"), CHANNEL) is None


@pytest.mark.parametrize("note", [
    SshReady("ssh:p", "U0BOB", "p", "bob-notebook", "1.2.3.4", 22),
    SpotEvicted("evicted:p", "U0BOB", "p", "bob-spot", "NVIDIA A100 80GB PCIe", 1, Decimal("1.89")),
], ids=["ssh command", "eviction"])
def test_an_owners_own_business_is_not_copied(note: Note) -> None:
    assert copies.channel_copy(note, CHANNEL) is None


def test_no_copy_without_a_channel_nor_of_a_notice_already_in_it() -> None:
    warning = IdleWarning("idle:p", "U0BOB", "p", "bob-notebook", AT, AT, RATE)
    assert copies.channel_copy(warning, None) is None
    unowned = IdleWarning("idle:p", CHANNEL, "p", "mystery", AT, AT, RATE)  # an unowned pod's warning
    assert copies.channel_copy(unowned, CHANNEL) is None
    assert copies.channel_copy(_cap("day", to=CHANNEL), CHANNEL) is None  # a team's cap


def test_a_copys_key_and_kind_name_their_original() -> None:
    key = core.idle_key("pod-1", AT)
    copy = copies.copy_key(key)
    assert copy == f"{key}:channel"
    assert copies.original_key(copy) == key
    assert copies.is_channel_copy(copies.copy_kind(core.IDLE_WARNING))
    assert not copies.is_channel_copy(core.IDLE_WARNING)
    warning = IdleWarning(key, "U0BOB", "pod-1", "bob-notebook", AT, AT, RATE)
    assert copies.is_copy(IdleWarning(copy, CHANNEL, "pod-1", "bob-notebook", AT, AT, RATE))
    assert not copies.is_copy(warning)
    assert len(copies.copy_kind(core.POD_STOPPED)) <= 40  # the ledger's kind column
