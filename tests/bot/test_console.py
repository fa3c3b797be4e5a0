"""The console drives the one dispatcher and shows its replies with numbered buttons; a
number presses the button (`Dispatcher.act`) of the last message shown."""

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
    console.run(["gpus", "3", "2"])
    assert "No button [3] on the last message; pick 1, 2." in out.getvalue()
    assert [p[0] for p in pressed] == ["cancel"]


def test_a_number_with_no_buttons_shown_is_a_command(services: Services, dispatcher: Dispatcher) -> None:
    out = io.StringIO()
    Console(services, user="U0ME", out=out, dispatcher=dispatcher).handle("7")
    assert out.getvalue().startswith("unknown command")


def test_show_makes_a_notes_buttons_the_ones_a_number_presses(
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
    console.handle("1")
    assert pressed == [("confirm", "pod-1", Caller("U0ME", Role.MEMBER))]
    console.handle("help")  # an answer without buttons: the number is a command again
    console.handle("1")
    assert len(pressed) == 1
    assert out.getvalue().rstrip().splitlines()[-1].startswith("unknown command")
