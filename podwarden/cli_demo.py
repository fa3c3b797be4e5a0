"""`podwarden demo`: the lifecycle daemon on a small simulated team, in about a minute.

Part of the command line, as `cli.py` is: the demo composes both faces in one process (the
bot's console in the foreground, the daemon's jobs ticking on a simulated clock), which
neither face may do itself.

No RunPod or Slack account: the RunPod simulator holds the team's pods (the `team`
scenario), a throwaway SQLite file is the ledger, and the terminal stands in for Slack. The
daemon ticks on an accelerated clock (a simulated minute per real second), and its notices
appear in the console with their buttons numbered: type a number to press one (Keep 1h,
Stop now, Resume, ...), or a command as after `/gpu`. Within about a minute bob's forgotten
notebook is warned about and, unless kept, stopped; erin's spot pod is evicted a little
earlier.

On a terminal the clock runs while you type. Piped (no terminal), the demo plays a scripted
tour on the same clock without waiting in real time, then runs the piped commands, if any
(`echo 'pods all' | make demo`), at the end of that hour, and exits: a pipe cannot watch a
clock, so it gets the same hour `< /dev/null` does.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from daemon import jobs as daemon_jobs
from podwarden.domain import channel_copies as copies
from podwarden.domain.notes import IdleWarning, MessageRef, Note, PodStopped

if TYPE_CHECKING:
    from podwarden.bootstrap import Services

DEMO_USER = "U0DEMO"
NOTICE_CHANNEL = "C0TEAM"
PEOPLE = {
    "U0ALICE": ("alice", "alice-"), "U0BOB": ("bob", "bob-"), "U0CAROL": ("carol", "carol-"),
    "U0DAVE": ("dave", "dave-"), "U0ERIN": ("erin", "erin-"),
}
SIM_SECONDS_PER_TICK = 60  # one simulated minute per tick (and per real second on a terminal)
TOUR_MINUTES = 60  # the scripted tour's length, in simulated minutes


class ConsoleNotes:
    """The `Notifier` of the demo: each note is shown in the console (buttons numbered)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.show: Callable[[Any], None] | None = None  # the console's `show`, once it exists
        self.sent: list[Note] = []
        self.updates: list[Note] = []
        self._refs: dict[tuple[str, str], MessageRef] = {}
        self._lock = threading.Lock()

    def send(self, note: Note) -> MessageRef:
        with self._lock:
            ref = MessageRef(note.to, f"{len(self.sent) + 1}.000000")
            self.sent.append(note)
            self._refs[(note.to, note.key)] = ref
            self._print(f"Slack, {_where(note.to)}:", note)
            return ref

    def update(self, ref: MessageRef, note: Note) -> None:
        with self._lock:
            self.updates.append(note)
            self._print(f"Slack, {_where(ref.channel)}, message updated:", note)

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        with self._lock:
            return self._refs.get((channel, key))

    def _print(self, header: str, note: Note) -> None:
        from podwarden.adapters.slack.render_notes import render

        self.out.write(f"\n── {header}\n")
        reply = render(note)
        if self.show is not None:
            self.show(reply)
        else:
            self.out.write(reply.text())
        self.out.flush()


def _where(recipient: str) -> str:
    if recipient in PEOPLE:
        return f"DM to @{PEOPLE[recipient][0]}"
    return "#team-gpus" if recipient == NOTICE_CHANNEL else recipient


def run(
    *, interactive: bool, out: TextIO | None = None, lines: Iterable[str] | None = None, scenario: str = "demo",
    real_seconds_per_tick: float = 1.0,
) -> int:
    """The demo; `lines` replaces the terminal's input: typed while the clock runs when
    `interactive` (tests), else the piped commands, run after the scripted hour. `scenario`: a
    shipped one or a file."""
    from bot.console import QUIT, TOUR, Console
    from daemon.leader import leader_for
    from podwarden import bootstrap
    from podwarden.clock import ManualClock
    from podwarden.domain.access import Role

    out = out or sys.stdout
    logging.getLogger("podwarden.daemon").setLevel(logging.WARNING)  # the notices tell the story
    notes = ConsoleNotes(out)
    with tempfile.TemporaryDirectory(prefix="podwarden-demo-") as tmp:
        settings = bootstrap.settings(database_url=f"sqlite:///{Path(tmp) / 'demo.db'}", admins=DEMO_USER,
                                      notice_channel=NOTICE_CHANNEL)
        out.write("Podwarden demo: no RunPod or Slack account needed.\n")
        out.write(f"  {bootstrap.migrate(settings)}\n")
        simulator = bootstrap.simulator(scenario=scenario, clock=ManualClock())
        with bootstrap.build(settings, sim=simulator, notifier=notes) as services:
            _seed(services)
            console = Console(services, user=DEMO_USER, out=out, role=Role.ADMIN)
            notes.show = console.show
            jobs = daemon_jobs.build(services)
            jobs.lifecycle.policy = replace(jobs.lifecycle.policy, idle_workers_after=timedelta(minutes=30))
            world = simulator.world
            out.write(f"  RunPod: in-process simulator, {Path(scenario).stem} scenario ({len(world.pods)} pods, "
                      f"{len(world.endpoints)} endpoints, balance ${world.balance:.2f})\n")
            out.write("  Slack: this console answers as the bot would (same commands, roles, replies and buttons).\n")
            for line in TOUR:
                out.write(f"\n{settings.slack_command} {line}\n")
                console.handle(line)
            _intro(out, services, live=interactive)
            lock = threading.Lock()
            leader = leader_for(settings.database_url, services.ledger, services.clock,
                                tick=timedelta(seconds=SIM_SECONDS_PER_TICK))

            def tick() -> None:
                with lock:
                    simulator.advance(SIM_SECONDS_PER_TICK)
                    leader.lead()  # the heartbeat `policy` shows, as a real daemon's
                    jobs.lifecycle.tick()

            if interactive:
                _live(console, tick, lock, lines, out, every=real_seconds_per_tick)
            else:
                typed = [line for line in lines or () if line.strip()]
                _tour(console, notes, tick, out, more=bool(typed))
                if typed:
                    out.write(f"\n── Your {len(typed)} piped command(s), at the end of the hour:\n")
                    for line in typed:
                        if line.strip() in QUIT:
                            break
                        out.write(f"\n{settings.slack_command} {line.strip()}\n")
                        console.run([line])  # a bug in one command says so and the next still runs
    return 0


def _seed(services: Services) -> None:
    """The team's members and their pod name prefixes: pods named bob-… are bob's."""
    now = services.clock.now()
    for user_id, (name, prefix) in PEOPLE.items():
        services.ledger.upsert_member(user_id, now=now, display_name=name)
        services.ledger.set_member_prefix(user_id, prefix, now=now)


def _intro(out: TextIO, services: Services, *, live: bool) -> None:
    simulator = services.simulator
    pods = ", ".join(sorted(p.name for p in simulator.world.pods.values())) if simulator is not None else ""
    out.write(
        "\nNow the lifecycle daemon, on the simulated team.\n"
        f"  Pods: {pods}.\n"
        f"  Policy: a pod idle for {_minutes(services.settings.idle_after)} is warned, and stopped "
        f"{_minutes(services.settings.warning_grace)} later unless kept.\n"
        + ("  The clock runs at one simulated minute per second. Notices appear below as they would in Slack;\n"
           "  type a button's number to press it, or a command such as `pods all` (`quit` to leave).\n"
           if live else "  An hour of the team's day follows, a simulated minute per tick; notices appear as in Slack."
           "\n")
    )
    out.flush()


def _minutes(delta: timedelta) -> str:
    return f"{int(delta.total_seconds() // 60)} minutes"


def _tour(console: Any, notes: ConsoleNotes, tick: Callable[[], None], out: TextIO, *, more: bool = False) -> None:
    """Piped: play the story on the simulated clock and press Resume once; `more`: the piped
    commands follow, so the closing hint is not the last word."""
    for _ in range(TOUR_MINUTES):
        tick()
    owners = [n for n in notes.sent if not copies.is_copy(n)]  # not the notice channel's copies
    stopped = [n for n in owners if isinstance(n, PodStopped)]
    warned = [n for n in owners if isinstance(n, IdleWarning)]
    out.write(f"\n── An hour went by: {len(warned)} idle warning(s), {len(stopped)} pod(s) stopped.\n")
    if stopped:
        from podwarden.adapters.slack.render_lifecycle import RESUME

        resume = console.number_of(RESUME, stopped[-1].pod_id)  # the shutdown notice's Resume, shown above
        if resume is None:  # its message is no longer among the live ones: show it again
            console.show(_render(stopped[-1]))
            resume = console.last_buttons[0]
        out.write(f"── The demo presses Resume on {stopped[-1].pod_name} ([{resume}]):\n")
        console.handle(str(resume))
        confirm = console.last_buttons[0]  # Confirm comes first, before Cancel
        out.write(f"── and confirms the price ([{confirm}]):\n")
        console.handle(str(confirm))
    out.write("\n/gpu pods all\n")
    console.handle("pods all")
    if not more:
        out.write("\nRun `make demo` in a terminal to press the buttons yourself.\n")


def _render(note: Note) -> Any:
    from podwarden.adapters.slack.render_notes import render

    return render(note)


def _live(console: Any, tick: Callable[[], None], lock: threading.Lock, lines: Iterable[str] | None,
          out: TextIO, *, every: float) -> None:
    """A terminal: the clock ticks every second in a thread while the console reads input."""
    stop = threading.Event()

    def clock() -> None:
        while not stop.wait(every):
            try:
                tick()
            except Exception as exc:  # the demo carries on, as the daemon's scheduler does
                out.write(f"\n(tick failed: {exc})\n")

    thread = threading.Thread(target=clock, name="demo-clock", daemon=True)
    thread.start()
    try:
        for raw in lines if lines is not None else _stdin_lines():
            if raw.strip() in {"quit", "exit", "q"}:
                break
            with lock:
                console.handle(raw)
    finally:
        stop.set()
        thread.join(timeout=5)


def _stdin_lines() -> Iterable[str]:
    while True:
        try:
            yield input()
        except EOFError:
            return
