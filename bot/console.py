"""The terminal face: `podwarden ask`, `podwarden console`, and the console of `podwarden demo`.

It stands in for Slack exactly as Errbot's text backend and Hubot's shell adapter do: the
same dispatcher (`bot.handlers.build_dispatcher`), roles and services as the Slack
listeners, answering with the same `Reply` rendered as text. Buttons are numbered
(`[1] Confirm  [2] Cancel`); typing the number presses it, which is the same
`Dispatcher.act` a click in Slack runs.
"""

from __future__ import annotations

import dataclasses
import logging
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TextIO

from bot.dispatch import Caller, Dispatcher
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Button, Reply
from podwarden.domain.access import Role

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

TOUR = (  # the demo's scripted commands (daemon/demo.py)
    "help",
    "gpus --min-vram 48",
    "quote a100 --hours 24/day",
    "quote a4000 --requests 300/hour --seconds 5",
    "size 70B --dtype int4",
    "size 7B",
)
QUIT = frozenset({"quit", "exit", "q"})


def render(reply: Reply) -> str:
    """A reply as text, its buttons numbered from 1 in the order Slack shows them."""
    text = dataclasses.replace(reply, buttons=()).text() if reply.buttons else reply.text()
    if not reply.buttons:
        return text
    numbered = "  ".join(f"[{n}] {b.text}" for n, b in enumerate(reply.buttons, start=1))
    return f"{text}\n{numbered}\n"


log = logging.getLogger("podwarden.console")


class Console:
    """One person at a terminal: commands and button presses through the one dispatcher,
    with the role the ledger gives them (seeded from settings), or `role` when given (the
    demo). No channel: the console is always an allowed place.

    `handle` runs a command, or presses a numbered button of the last message with buttons
    (an answer without buttons clears them); `show` prints a reply arriving on its own (the
    daemon's notes in the demo).
    """

    def __init__(
        self, services: Services, *, user: str, out: TextIO, role: Role | None = None,
        dispatcher: Dispatcher | None = None, caller_of: Callable[[str], Caller] | None = None,
    ) -> None:
        from bot.handlers import build_dispatcher
        from bot.handlers import caller_of as ledger_caller_of

        self.services = services
        self._ledger_caller = ledger_caller_of(services)
        self.out = out
        self.dispatcher = dispatcher or build_dispatcher(services)
        self._slash = services.settings.slack_command
        self._caller_of = caller_of
        self._role = role
        self.user = user
        self._buttons: tuple[Button, ...] = ()

    @property
    def caller(self) -> Caller:
        if self._caller_of is not None:
            return self._caller_of(self.user)
        if self._role is not None:
            return Caller(self.user, self._role)
        return self._ledger_caller(self.user, None)

    def handle(self, line: str) -> None:
        """Run one typed line: a button's number, or a command as after the slash command."""
        text = line.strip().removeprefix(self._slash).strip()
        if not text:
            return
        if text.isdigit() and self._buttons:
            self.press(int(text))
            return
        self._answer(self.dispatcher.handle(text, self.caller))

    def press(self, number: int) -> None:
        if not 1 <= number <= len(self._buttons):
            choices = ", ".join(str(n) for n in range(1, len(self._buttons) + 1))
            self.out.write(f"No button [{number}] on the last message; pick {choices}.\n")
            return
        button = self._buttons[number - 1]
        self._answer(self.dispatcher.act(button.action_id, button.value, self.caller))

    def show(self, reply: Reply) -> None:
        """Print a reply that arrives on its own (a daemon's note). One with buttons makes them
        the ones a number presses; one without leaves the earlier buttons pressable, so a
        plain note arriving meanwhile does not steal the number a person is typing."""
        if reply.buttons:
            self._buttons = reply.buttons
        self.out.write(render(reply))

    def _answer(self, reply: Reply) -> None:
        """Print the answer to what the person typed; its buttons (or none) are the current ones."""
        self._buttons = reply.buttons
        self.out.write(render(reply))

    def run(self, lines: Iterable[str]) -> None:
        """Handle lines until one says quit (or they run out)."""
        for raw in lines:
            if raw.strip().removeprefix(self._slash).strip() in QUIT:
                break
            try:
                self.handle(raw)
            except Exception:  # a bug must not end the person's session: say so, log it, go on
                log.exception("internal error handling %r", raw[:80])
                self.out.write("Internal error (logged); that command did nothing you can rely on. "
                               "Please report it.\n")


def ask(text: str, *, user: str, as_json: bool, sim: bool, out: TextIO | None = None) -> int:
    """Run one command; exit 0 when it was answered, 1 when the answer is an error."""
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        console = Console(services, user=user, out=out)
        reply = console.dispatcher.handle(text, console.caller)
    out.write(reply.json() + "\n" if as_json else render(reply))
    return 0 if reply.ok else 1


def repl(*, user: str, sim: bool, lines: Iterable[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        console = Console(services, user=user, out=out)
        where = "the RunPod simulator" if sim else "your RunPod account"
        out.write(f"Podwarden console on {where}, as {user} ({console.caller.role}). "
                  f"Type a command as after {settings.slack_command}; `help` lists them, a number presses "
                  "that button, `quit` leaves.\n")
        console.run(lines if lines is not None else _stdin_lines(settings.slack_command))
    return 0


def _stdin_lines(prompt: str) -> Iterable[str]:
    while True:
        try:
            yield input(f"{prompt} ")
        except EOFError:
            return
