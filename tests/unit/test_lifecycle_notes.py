"""The daemon's notes: each survives the outbox (encoded, decoded) and renders with its buttons."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from podwarden.adapters.slack import render_lifecycle as ids
from podwarden.adapters.slack.render_notes import render
from podwarden.domain import note_codec
from podwarden.domain.notes import (
    CapReached,
    DaemonSilent,
    DeadlineWarning,
    IdleWarning,
    IdleWorkers,
    Note,
    PodStopped,
    RunwayWarning,
    SpotEvicted,
    SshChanged,
    SshReady,
    StoppedStorage,
    UnattachedVolume,
    UnownedPod,
)

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

NOTES: list[tuple[Note, tuple[str, ...], str]] = [
    (IdleWarning("k1", "U0BOB", "p1", "bob-nb", AT, AT, Decimal("0.34")),
     (ids.KEEP_1H, ids.KEEP_TOMORROW, ids.STOP_NOW), "Pod bob-nb has been idle since 09:30 UTC ($0.34/h)."),
    (DeadlineWarning("k2", "U0BOB", "p1", "bob-nb", AT, Decimal("1.89")), (ids.EXTEND_DEADLINE,),
     "Pod bob-nb reaches its --max-hours deadline at 09:30 UTC ($1.89/h)."),
    (PodStopped("k3", "U0BOB", "p1", "bob-nb", "idle", Decimal("0.34"), Decimal("0.0139")), (ids.RESUME,),
     "Stopped pod bob-nb: it was idle and nobody kept it."),
    (SshReady("k4", "U0BOB", "p1", "bob-nb", "1.2.3.4", 30022), (), "Pod bob-nb is running. Connect with:"),
    (SshChanged("k5", "U0BOB", "p1", "bob-nb", "1.2.3.4", 40022, "1.2.3.4", 30022), (),
     "Pod bob-nb has a new SSH address (was 1.2.3.4:30022):"),
    (SpotEvicted("k6", "U0ERIN", "p2", "erin", "NVIDIA A100 80GB PCIe", 1, Decimal("1.89")), (ids.RELAUNCH,),
     "Spot pod erin was evicted by RunPod (its disk is kept)."),
    (RunwayWarning("k7", "C0", Decimal("90"), Decimal("2"), Decimal("45.0")), (),
     "RunPod balance $90.00 lasts about 45.0 h at $2.00/h."),
    (IdleWorkers("k8", "C0", "e1", "embeddings", 1, Decimal("0.40")), (ids.MIN_WORKERS_0,),
     "Endpoint embeddings keeps 1 active worker(s) warm with no jobs to run."),
    (StoppedStorage("k9", "U0DAVE", "p3", "dave", AT, Decimal("40.00")), (ids.TERMINATE, ids.KEEP_STOPPED),
     "Pod dave has been stopped since 2026-11-23 and its disk still costs $40.00/month."),
    (UnattachedVolume("k10", "C0", "v1", "old", 300, Decimal("21.00")), (),
     "Network volume old (300 GB) is attached to no pod and costs $21.00/month."),
    (UnownedPod("k11", "C0", "p4", "mystery", Decimal("0.28")), (ids.CLAIM,),
     "Pod mystery ($0.28/h) was started outside Podwarden and has no owner."),
    (CapReached("k12", "C0", "global", "*", "hour", Decimal("3"), Decimal("6"), True, ("p1", "p2")), (),
     "Spending cap reached for the whole fleet."),
    (DaemonSilent("k13", "C0", AT, 7), (), "The Podwarden daemon has been silent for 7 minutes"),
]


@pytest.mark.parametrize(("note", "buttons", "title"), NOTES, ids=[type(n).__name__ for n, _, _ in NOTES])
def test_each_note_survives_the_outbox_and_renders_its_buttons(
    note: Note, buttons: tuple[str, ...], title: str,
) -> None:
    assert note_codec.decode(note_codec.encode(note)) == note
    reply = render(note)
    assert reply.title.startswith(title)
    assert tuple(b.action_id for b in reply.buttons) == buttons
    assert reply.blocks()
    assert all(b.value for b in reply.buttons)


def test_a_withdrawn_warning_renders_without_buttons() -> None:
    note = IdleWarning("k1", "U0BOB", "p1", "bob-nb", AT, AT, Decimal("0.34"), state="busy again")
    reply = render(note)
    assert (reply.title, reply.buttons) == ("Pod bob-nb is busy again: warning withdrawn.", ())


def test_terminate_asks_to_confirm() -> None:
    reply = render(StoppedStorage("k9", "U0DAVE", "p3", "dave", AT, Decimal("40.00")))
    assert reply.buttons[0].confirm == "Terminate dave? Its disk is deleted; this cannot be undone."


def test_every_button_of_a_notice_has_a_handler() -> None:
    from bot.lifecycle_actions import lifecycle_actions

    # Building the table reads no service (the verbs are given, so none are built either).
    handled = set(lifecycle_actions(None, verbs=object()))  # type: ignore[arg-type]
    assert {button for _, buttons, _ in NOTES for button in buttons} <= handled


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown note kind"):
        note_codec.decode('{"kind": "Nope", "key": "k", "to": "U"}')
