"""The terminal face: `podwarden ask`, `podwarden console`, and the console of `podwarden demo`.

It stands in for Slack exactly as Errbot's text backend and Hubot's shell adapter do: the
same dispatcher (`bot.handlers.build_dispatcher`), roles and services as the Slack
listeners, answering with the same `Reply` rendered as text. Buttons are numbered for the
session (`[1] Confirm  [2] Cancel`, then `[3] ...` on the next message); typing the number
presses it, which is the same `Dispatcher.act` a click in Slack runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from bot.dispatch import Caller, Dispatcher
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Button, Reply
from podwarden.domain.access import Role

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

TOUR = (  # the demo's scripted commands (podwarden/cli_demo.py)
    "help",
    "gpus --min-vram 48",
    "quote a100 --hours 24/day",
    "quote a4000 --requests 300/hour --seconds 5",
    "size 70B --dtype int4",
    "size 7B",
)
QUIT = frozenset({"quit", "exit", "q"})
ASK_BUTTONS = "Buttons cannot be pressed from `podwarden ask`; use `podwarden console` (or Slack)."


def render(reply: Reply, *, first: int = 1) -> str:
    """A reply as text, its buttons numbered from `first` in the order Slack shows them."""
    text = dataclasses.replace(reply, buttons=()).text() if reply.buttons else reply.text()
    if not reply.buttons:
        return text
    numbered = "  ".join(f"[{n}] {b.text}" for n, b in enumerate(reply.buttons, start=first))
    return f"{text}\n{numbered}\n"


log = logging.getLogger("podwarden.console")


def _unanswered(record: logging.LogRecord) -> bool:
    """Keeps a log record unless the reply on the screen already says it (`bot.dispatch.ANSWERED`)."""
    return not getattr(record, "answered", False)


@contextlib.contextmanager
def _quiet_when_answered() -> Iterator[None]:
    """While the console runs one command: the log is this same terminal, so a "RunPod refused"
    line would repeat the reply printed under it."""
    logger = logging.getLogger("podwarden.bot")
    logger.addFilter(_unanswered)
    try:
        yield
    finally:
        logger.removeFilter(_unanswered)


class Console:
    """One person at a terminal: commands and button presses through the one dispatcher,
    with the role the ledger gives them (seeded from settings), or `role` when given (the
    demo). No channel: the console is always an allowed place.

    Buttons are numbered for the whole session (`[1] [2]` on one message, `[3] [4] [5]` on
    the next), so a notice arriving from the daemon never takes the number of a Confirm the
    person is about to type. The buttons of the last `LIVE_MESSAGES` messages stay pressable;
    pressing one replaces its message, as a click does in Slack, so that message's buttons
    are spent. `handle` runs a command or presses a number; `show` prints a reply arriving on
    its own (the daemon's notes in the demo).
    """

    LIVE_MESSAGES = 20

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
        self._next = 1  # the number the next button gets
        self._messages: deque[tuple[int, ...]] = deque()  # the numbers of each recent message with buttons
        self._live: dict[int, Button] = {}

    @property
    def caller(self) -> Caller:
        if self._caller_of is not None:
            return self._caller_of(self.user)
        if self._role is not None:
            return Caller(self.user, self._role)
        return self._ledger_caller(self.user, None)

    @property
    def last_buttons(self) -> tuple[int, ...]:
        """The numbers of the buttons of the latest message that still has live ones (the demo
        presses them; a person reads them on the screen)."""
        return self._messages[-1] if self._messages else ()

    def number_of(self, action_id: str, value: str) -> int | None:
        """The number of the live button that runs `action_id` with `value` (the newest, if
        several), or None; the demo finds the Resume of the pod it just saw stopped."""
        found = [n for n, b in self._live.items() if b.action_id == action_id and b.value == value]
        return max(found) if found else None

    def handle(self, line: str) -> None:
        """Run one typed line: a button's number, or a command as after the slash command."""
        text = line.strip().removeprefix(self._slash).strip()
        if not text:
            return
        if text.isdecimal() and text.isascii():
            self.press(int(text))
            return
        with _quiet_when_answered():
            reply = self.dispatcher.handle(text, self.caller)
        self._answer(reply)

    def press(self, number: int) -> None:
        """Press button `number` as the person: the same `Dispatcher.act` a click in Slack runs."""
        button = self._live.get(number)
        if button is None:
            live = ", ".join(str(n) for n in sorted(self._live))
            self.out.write(f"No button [{number}] here; " + (f"live buttons: {live}.\n" if live
                                                               else "no message shown has buttons to press.\n"))
            return
        for numbers in self._messages:  # the answer replaces the message: its buttons are spent
            if number in numbers:
                self._retire(numbers)
                break
        with _quiet_when_answered():
            reply = self.dispatcher.act(button.action_id, button.value, self.caller)
        self._answer(reply)

    def show(self, reply: Reply) -> None:
        """Print a reply that arrives on its own (a daemon's note); its buttons get new numbers
        and the earlier ones stay pressable."""
        self._answer(reply)

    def _answer(self, reply: Reply) -> None:
        first = self._next
        if reply.buttons:
            numbers = tuple(range(first, first + len(reply.buttons)))
            self._next += len(reply.buttons)
            self._live.update(zip(numbers, reply.buttons, strict=True))
            self._messages.append(numbers)
            while len(self._messages) > self.LIVE_MESSAGES:
                self._retire(self._messages[0])
        self.out.write(render(reply, first=first))

    def _retire(self, numbers: tuple[int, ...]) -> None:
        self._messages.remove(numbers)
        for n in numbers:
            self._live.pop(n, None)

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
    """Run one command; exit 0 when it was answered, 2 when the input was bad (the parser or a
    service said so), 1 for any other error (refused, or RunPod or Podwarden failed)."""
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        console = Console(services, user=user, out=out)
        with _quiet_when_answered():
            reply = console.dispatcher.handle(text, console.caller)
    out.write(reply.json() + "\n" if as_json else render(reply))
    if reply.buttons and not as_json:
        out.write(ASK_BUTTONS + "\n")
    if reply.ok:
        return 0
    return 2 if reply.kind == "input" else 1


def repl(*, user: str, sim: bool, lines: Iterable[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        console = Console(services, user=user, out=out)
        where = "the RunPod simulator" if sim else "your RunPod account"
        out.write(f"Podwarden console on {where}, as {user} ({console.caller.role}). "
                  f"Type a command as after {settings.slack_command}; `help` lists them, a number presses "
                  "that button, `quit` leaves.\n")
        if console.caller.role is Role.VIEWER:  # the default: say now, not at the first refusal
            out.write("A viewer reads but cannot start or stop pods: leave and run it again with `--as` a user id "
                      "listed in PODWARDEN_MEMBERS or PODWARDEN_ADMINS (`help start` says more).\n")
        console.run(lines if lines is not None else _stdin_lines(settings.slack_command))
    return 0


def _stdin_lines(prompt: str) -> Iterable[str]:
    while True:
        try:
            yield input(f"{prompt} ")
        except EOFError:
            return
