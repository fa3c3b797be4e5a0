"""The console drives the one dispatcher and shows its replies with buttons numbered for the
session; a number presses that button (`Dispatcher.act`) while its message is recent."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest

from bot import commands as c
from bot.console import Console, render
from bot.dispatch import Caller, Dispatcher, needs
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Button, Reply, Section
from podwarden.bootstrap import Services
from podwarden.domain.access import Role

pytestmark = pytest.mark.usefixtures("podwarden_env")

CHOICE = Reply(
    title="Start 1 × RTX A4000 at $0.25/h?",
    sections=(Section(lines=("Secure cloud, on-demand.",)),),
    buttons=(Button("Confirm", "demo_confirm", "nonce-1", style="primary"), Button("Cancel", "demo_cancel", "nonce-1")),
)


@pytest.fixture
def services() -> Iterator[Services]:
    with bootstrap.build(bootstrap.settings(members=("U0ME",)), sim=True) as built:
        yield built


@pytest.fixture
def pressed() -> list[tuple[str, str, Caller]]:
    return []


@pytest.fixture
def dispatcher(pressed: list[tuple[str, str, Caller]]) -> Dispatcher:
    def gpus(command: c.Command, caller: Caller) -> Reply:
        return CHOICE

    def confirm(value: str, caller: Caller) -> Reply:
        pressed.append(("confirm", value, caller))
        return Reply(title=f"Started for {caller.user_id}.")

    def cancel(value: str, caller: Caller) -> Reply:
        pressed.append(("cancel", value, caller))
        return Reply(title="Cancelled.")

    return Dispatcher({c.Gpus: gpus}, actions={"demo_confirm": needs(Role.VIEWER, confirm),
                                               "demo_cancel": needs(Role.VIEWER, cancel)})


def test_buttons_are_numbered_in_slack_order() -> None:
    text = render(CHOICE)
    assert text.splitlines()[-1] == "[1] Confirm  [2] Cancel"
    assert "[Confirm]" not in text
    assert render(Reply(title="plain")) == "plain\n"


def test_typing_a_number_presses_that_button_as_the_same_caller(
    services: Services, dispatcher: Dispatcher, pressed: list[tuple[str, str, Caller]],
) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=dispatcher)
    console.run(["/gpu gpus", "1", "quit", "2"])
    assert pressed == [("confirm", "nonce-1", Caller("U0ME", Role.MEMBER))]
    assert out.getvalue().endswith("[1] Confirm  [2] Cancel\nStarted for U0ME.\n")


def test_a_number_no_button_has_is_refused_and_the_buttons_stay(
    services: Services, dispatcher: Dispatcher, pressed: list[tuple[str, str, Caller]],
) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=dispatcher)
    console.run(["gpus", "9", "2"])
    assert "No button [9] here; live buttons: 1, 2." in out.getvalue()
    assert [p[0] for p in pressed] == ["cancel"]


def test_a_number_with_no_buttons_shown_says_so_not_unknown_command(
    services: Services, dispatcher: Dispatcher,
) -> None:
    out = io.StringIO()
    Console(services, user="U0ME", out=out, dispatcher=dispatcher).handle("7")
    assert out.getvalue() == "No button [7] here; no message shown has buttons to press.\n"


def test_buttons_are_numbered_for_the_session_and_a_notice_never_takes_a_number(
    services: Services, dispatcher: Dispatcher, pressed: list[tuple[str, str, Caller]],
) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=dispatcher)
    console.handle("gpus")  # [1] Confirm  [2] Cancel
    console.show(Reply(title="Pod idle for 30 min", buttons=(  # the daemon, while the person reads
        Button("Keep 1h", "demo_cancel", "pod-1"), Button("Keep until tomorrow", "demo_cancel", "pod-1"),
        Button("Stop now", "demo_cancel", "pod-1"))))
    assert "[3] Keep 1h  [4] Keep until tomorrow  [5] Stop now" in out.getvalue()
    console.handle("1")  # still the Confirm the person saw
    assert pressed == [("confirm", "nonce-1", Caller("U0ME", Role.MEMBER))]
    console.handle("2")  # pressing Confirm replaced its message: its Cancel went with it
    assert out.getvalue().rstrip().splitlines()[-1] == "No button [2] here; live buttons: 3, 4, 5."
    console.handle("5")  # the notice's buttons stay pressable after other answers
    assert pressed[-1] == ("cancel", "pod-1", Caller("U0ME", Role.MEMBER))
    console.handle("gpus")
    assert out.getvalue().rstrip().splitlines()[-1] == "[6] Confirm  [7] Cancel"
    assert console.last_buttons == (6, 7)


def test_only_the_last_messages_keep_live_buttons(services: Services, dispatcher: Dispatcher) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=dispatcher)
    for _ in range(Console.LIVE_MESSAGES + 1):
        console.handle("gpus")
    console.handle("1")  # the first message has aged out
    assert out.getvalue().rstrip().splitlines()[-1].startswith("No button [1] here; live buttons: 3, 4, ")
    console.handle(str(2 * Console.LIVE_MESSAGES + 1))  # the newest Confirm
    assert out.getvalue().rstrip().splitlines()[-1] == "Started for U0ME."


def test_show_makes_a_notes_buttons_pressable(
    services: Services, dispatcher: Dispatcher, pressed: list[tuple[str, str, Caller]],
) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ADMIN", out=out, dispatcher=dispatcher, role=Role.ADMIN)
    console.show(Reply(title="Pod idle for 30 min", buttons=(Button("Keep 2h", "demo_confirm", "pod-9"),)))
    console.handle("1")
    assert pressed == [("confirm", "pod-9", Caller("U0ADMIN", Role.ADMIN))]
    assert "[1] Keep 2h" in out.getvalue()


def test_the_console_uses_the_dispatcher_every_face_uses(services: Services) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out)
    console.run(["quote 4090", "help start"])
    text = out.getvalue()
    assert "Quote: 1 × RTX 4090" in text
    assert "/gpu start <gpu>" in text


def test_a_plain_note_arriving_does_not_steal_the_number_being_typed(
    services: Services, dispatcher: Dispatcher, pressed: list[tuple[str, str, Caller]],
) -> None:
    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=dispatcher)
    console.show(Reply(title="Pod idle for 30 min", buttons=(Button("Keep 1h", "demo_confirm", "pod-1"),)))
    console.show(Reply(title="Stopped someone else's pod"))  # the daemon, meanwhile
    console.handle("help")  # an answer without buttons leaves the note's buttons live
    console.handle("1")
    assert pressed == [("confirm", "pod-1", Caller("U0ME", Role.MEMBER))]


def test_number_of_finds_a_live_buttons_number(services: Services, dispatcher: Dispatcher) -> None:
    console = Console(services, user="U0ME", out=io.StringIO(), dispatcher=dispatcher)
    console.handle("gpus")
    console.show(Reply(title="Stopped pod-1", buttons=(Button("Resume", "demo_confirm", "pod-1"),)))
    assert console.number_of("demo_confirm", "pod-1") == 3
    assert console.number_of("demo_confirm", "nonce-1") == 1
    console.handle("3")
    assert console.number_of("demo_confirm", "pod-1") is None  # pressed: its message was replaced


def test_a_refusal_runpod_gave_is_printed_once_not_again_as_a_log_line(
    services: Services, caplog: pytest.LogCaptureFixture,
) -> None:
    from podwarden.errors import RunPodError

    def refused(command: c.Command, caller: Caller) -> Reply:
        raise RunPodError("Spend limit exceeded")

    out = io.StringIO()
    console = Console(services, user="U0ME", out=out, dispatcher=Dispatcher({c.Gpus: refused}))
    with caplog.at_level("WARNING", logger="podwarden.bot"):
        console.handle("gpus")
        assert "Spend limit exceeded" in out.getvalue()
        assert not [r for r in caplog.records if "RunPod refused" in r.getMessage()]
        Dispatcher({c.Gpus: refused}).handle("gpus", Caller("U0ME", Role.MEMBER, "C1"))  # the bot keeps it
    assert [r for r in caplog.records if "RunPod refused gpus" in r.getMessage()]


def test_the_console_tells_a_viewer_at_once_how_to_act_as_more() -> None:
    from bot.console import repl

    viewer = io.StringIO()
    repl(user="U0VIEWER", sim=True, lines=["quit"], out=viewer)
    assert "as U0VIEWER (viewer)" in viewer.getvalue()
    assert "with `--as` a user id listed in PODWARDEN_MEMBERS or PODWARDEN_ADMINS" in viewer.getvalue()


def test_the_console_says_nothing_of_roles_to_a_member(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.console import repl

    monkeypatch.setenv("PODWARDEN_MEMBERS", "U0ME")
    out = io.StringIO()
    repl(user="U0ME", sim=True, lines=["quit"], out=out)
    assert "as U0ME (member)" in out.getvalue()
    assert "PODWARDEN_MEMBERS" not in out.getvalue()
