"""`podwarden ...`: the command line, and the only module of podwarden/ that imports bot/ or daemon/.

Each verb builds `Settings` once (a bad value stops here with one line), then hands over to
the composition root. Verbs that are not built yet say so and exit non-zero, never with a
stack trace.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from podwarden.errors import ConfigError, LedgerError, PodwardenError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_NOT_BUILT = 3


def _version() -> str:
    try:
        return version("podwarden")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"


def _not_built(what: str, issue: str) -> Callable[[argparse.Namespace], int]:
    def run(args: argparse.Namespace) -> int:
        print(f"podwarden {what}: not built yet ({issue}).", file=sys.stderr)
        return EXIT_NOT_BUILT

    return run


def _migrate(args: argparse.Namespace) -> int:
    from podwarden import bootstrap

    settings = bootstrap.settings(database_url=args.database_url)
    print(bootstrap.migrate(settings))
    return EXIT_OK


def _doctor(args: argparse.Namespace) -> int:
    from podwarden import doctor

    return doctor.main(sim=args.sim)


def _sim(args: argparse.Namespace) -> int:
    from podwarden.sim import server

    argv = ["--host", args.host, "--port", str(args.port), "--seed", str(args.seed)]
    if args.scenario:
        argv += ["--scenario", args.scenario]
    if args.api_key:
        argv += ["--api-key", args.api_key]
    return server.main(argv)


def _ask(args: argparse.Namespace) -> int:
    from bot import console

    if not args.text:
        print("podwarden ask: give a command, e.g. podwarden ask --sim \"quote a100\"", file=sys.stderr)
        return EXIT_USAGE
    text = args.text[0] if len(args.text) == 1 else shlex.join(args.text)  # keep the user's grouping
    return console.ask(text, user=args.as_user, as_json=args.json, sim=args.sim)


def _console(args: argparse.Namespace) -> int:
    from bot import console

    return console.repl(user=args.as_user, sim=args.sim)


def _demo(args: argparse.Namespace) -> int:
    from bot import console

    return console.demo(interactive=not args.no_input and sys.stdin.isatty())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="podwarden",
        description="Keep a team's RunPod GPU spend under control from Slack.",
    )
    parser.add_argument("--version", action="version", version=f"podwarden {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log at DEBUG level (never logs secrets)")
    sub = parser.add_subparsers(dest="verb", metavar="<command>")

    def add(name: str, help_: str, run: Callable[[argparse.Namespace], int]) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(run=run)
        return p

    add("run", "run the bot and the daemon in one process", _not_built("run", "arrives with the bot and daemon"))
    add("bot", "run the Slack bot (Socket Mode, or HTTP with a signing secret)",
        _not_built("bot", "arrives with the Slack bot issue"))
    add("daemon", "run the lifecycle daemon (idle shutdown, caps, SSH ports, digest)",
        _not_built("daemon", "arrives with the lifecycle daemon issue"))
    demo = add("demo", "try Podwarden with no accounts: the simulator and a terminal console", _demo)
    demo.add_argument("--no-input", action="store_true", help="run the scripted tour only, then exit")

    for name, help_, run in (
        ("console", "type commands as you would in Slack, against RunPod or the simulator", _console),
        ("ask", "run one command and print the answer, e.g. podwarden ask --sim \"quote a100\"", _ask),
    ):
        p = add(name, help_, run)
        p.add_argument("--as", dest="as_user", default="U0CONSOLE", metavar="USER",
                       help="the Slack user id to act as (roles come from PODWARDEN_ADMINS/MEMBERS)")
        p.add_argument("--sim", action="store_true", help="use an in-process RunPod simulator, not your account")
        if name == "ask":
            p.add_argument("--json", action="store_true", help="print the figures as JSON")
            p.add_argument("text", nargs=argparse.REMAINDER, help="the command, e.g. \"quote a100 --hours 8/day\"")

    sim = add("sim", "serve the RunPod simulator on a loopback port", _sim)
    sim.add_argument("--port", type=int, default=8765, help="port to listen on (0 picks a free one)")
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    sim.add_argument("--scenario", help="a scenario file (JSON or YAML)")
    sim.add_argument("--seed", type=int, default=0, help="random seed, for repeatable worlds")
    sim.add_argument("--api-key", help="accept only this key (default: any non-empty key)")

    mig = add("migrate", "upgrade the ledger to the newest schema", _migrate)
    mig.add_argument("--database-url", help="override PODWARDEN_DATABASE_URL")
    add("replay", "replay a recorded scenario through the daemon's decisions",
        _not_built("replay", "arrives with the lifecycle daemon issue"))
    doc = add("doctor", "check settings, the ledger, RunPod and Slack, and say what to fix", _doctor)
    doc.add_argument("--sim", action="store_true", help="check against the in-process simulator")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.verbose:  # Slack's and httpx's own DEBUG logs print request bodies and headers.
        for noisy in ("slack_sdk", "slack_bolt", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_USAGE
    try:
        return int(args.run(args))
    except ConfigError as exc:
        print(f"podwarden: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (LedgerError, PodwardenError) as exc:
        print(f"podwarden: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
