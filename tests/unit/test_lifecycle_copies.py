"""Which notices the notice channel gets a copy of, and how a copy's key names its original."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from podwarden.domain import lifecycle as core

WITH_CHANNEL = core.Policy(notice_channel="C0NOTICE")


def test_an_owners_idle_warning_is_copied_to_the_notice_channel() -> None:
    assert core.channel_copy(core.IDLE_WARNING, "U0BOB", WITH_CHANNEL) == "C0NOTICE"


@pytest.mark.parametrize("kind", [core.DEADLINE_WARNING, core.POD_STOPPED, core.CAP])
def test_deadline_warnings_shutdown_notices_and_cap_notices_are_copied_alike(kind: str) -> None:
    assert core.channel_copy(kind, "U0BOB", WITH_CHANNEL) == "C0NOTICE"


@pytest.mark.parametrize("kind", [core.SSH_READY, core.SSH_CHANGED, core.EVICTION, core.STOPPED_STORAGE,
                                  core.IDLE_WORKERS])
def test_other_notices_are_not_copied(kind: str) -> None:
    assert core.channel_copy(kind, "U0BOB", WITH_CHANNEL) is None


def test_no_copy_without_a_channel_nor_of_a_notice_already_in_it() -> None:
    assert core.channel_copy(core.IDLE_WARNING, "U0BOB", core.Policy()) is None
    assert core.channel_copy(core.IDLE_WARNING, "C0NOTICE", WITH_CHANNEL) is None  # an unowned pod's warning


def test_a_copys_key_and_kind_name_their_original() -> None:
    key = core.idle_key("pod-1", datetime(2026, 11, 23, 9, 1, tzinfo=UTC))
    copy = core.copy_key(key)
    assert copy == f"{key}:channel"
    assert core.original_key(copy) == key
    assert core.is_channel_copy(core.copy_kind(core.IDLE_WARNING))
    assert not core.is_channel_copy(core.IDLE_WARNING)
    assert len(core.copy_kind(core.POD_STOPPED)) <= 40  # the ledger's kind column
