"""The terminal face: `podwarden ask`, `podwarden console` and `podwarden demo`.

It stands in for Slack exactly as Errbot's text backend and Hubot's shell adapter do: the
same parser, roles and services, answering in plain text instead of Block Kit.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from bot.dispatch import Caller, Dispatcher
from bot.handlers import handlers_for
from podwarden import bootstrap
from podwarden.domain.access import Role, role_of
from podwarden.settings import Settings

DEMO_USER = "U0DEMO"
TOUR = (
    "help",
    "gpus --min-vram 48",
    "quote a100 --hours 24/day",
    "quote a4000 --requests 300/hour --seconds 5",
    "size 70B --dtype int4",
    "size 7B",
)


def _caller(settings: Settings, user: str) -> Caller:
    return Caller(user, role_of(user, admins=settings.admins, members=settings.members,
                                default=settings.default_role))


def ask(text: str, *, user: str, as_json: bool, sim: bool, out: TextIO | None = None) -> int:
    """Run one command; exit 0 when it was answered, 1 when the answer is an error."""
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        dispatcher = Dispatcher(handlers_for(services), command=settings.slack_command)
        reply = dispatcher.handle(text, _caller(settings, user))
    out.write(reply.json() + "\n" if as_json else reply.text())
    return 0 if reply.ok else 1


def repl(*, user: str, sim: bool, lines: Iterable[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    settings = bootstrap.settings()
    with bootstrap.build(settings, sim=sim) as services:
        dispatcher = Dispatcher(handlers_for(services), command=settings.slack_command)
        caller = _caller(settings, user)
        where = "the RunPod simulator" if sim else "your RunPod account"
        out.write(f"Podwarden console on {where}, as {user} ({caller.role}). "
                  "Type a command as after /gpu; `help` lists them, `quit` leaves.\n")
        _loop(dispatcher, caller, lines if lines is not None else _stdin_lines(), out)
    return 0


def demo(*, interactive: bool, out: TextIO | None = None) -> int:
    """A tour against the simulator and a throwaway ledger, then (on a terminal) the console."""
    out = out or sys.stdout
    with tempfile.TemporaryDirectory(prefix="podwarden-demo-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.db'}"
        settings = bootstrap.settings(database_url=url, admins=DEMO_USER)
        out.write("Podwarden demo: no RunPod or Slack account needed.\n")
        out.write(f"  {bootstrap.migrate(settings)}\n")
        with bootstrap.build(settings, sim=True) as services:
            world = services.simulator.world if services.simulator is not None else None
            if world is not None:
                out.write(f"  RunPod: in-process simulator, demo scenario ({_count(len(world.pods), 'pod')}, "
                          f"{_count(len(world.endpoints), 'endpoint')}, balance ${world.balance:.2f})\n")
            out.write("  Slack: this console answers as the bot would (same parser, roles and replies).\n")
            dispatcher = Dispatcher(handlers_for(services), command=settings.slack_command)
            caller = Caller(DEMO_USER, Role.ADMIN)
            for line in TOUR:
                out.write(f"\n/gpu {line}\n")
                out.write(_indent(dispatcher.handle(line, caller).text()))
            if interactive:
                out.write("\nYour turn: type a command as after /gpu (`help`, `quit`).\n")
                _loop(dispatcher, caller, _stdin_lines(), out)
            else:
                out.write("\nRun `make demo` (or `.venv/bin/podwarden demo`) in a terminal to type your own "
                          "commands.\n")
    return 0


def _loop(dispatcher: Dispatcher, caller: Caller, lines: Iterable[str], out: TextIO) -> None:
    for raw in lines:
        line = raw.strip().removeprefix("/gpu").strip()
        if line in {"quit", "exit", "q"}:
            break
        if not line:
            continue
        out.write(dispatcher.handle(line, caller).text())


def _stdin_lines() -> Iterable[str]:
    while True:
        try:
            yield input("/gpu ")
        except EOFError:
            return


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _indent(text: str) -> str:
    return "".join(f"  {line}\n" if line else "\n" for line in text.splitlines())
