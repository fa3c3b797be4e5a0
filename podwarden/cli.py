"""`podwarden ...`: the command line, the layer above both faces: with `cli_*.py` beside it (a
verb too big to sit here, `cli_demo`), the only modules of podwarden/ that import bot/ or
daemon/, and the only place that runs both in one process (`run`, `demo`).

Each verb builds `Settings` once (a bad value stops here with one line), then hands over to
the composition root. Verbs that are not built yet say so and exit non-zero, never with a
stack trace.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import shlex
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from podwarden.errors import ConfigError, DomainError, LedgerError, PodwardenError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _version() -> str:
    try:
        return version("podwarden")
    except PackageNotFoundError:  # running from a source tree that was not installed
        return "0+unknown"


def _migrate(args: argparse.Namespace) -> int:
    from podwarden import bootstrap

    try:
        settings = bootstrap.settings(database_url=args.database_url)
    except ConfigError as exc:
        if args.database_url is None:
            raise
        message = str(exc).replace("PODWARDEN_DATABASE_URL:", "--database-url:", 1)
        raise ConfigError(message) from None
    _make_sqlite_directory(settings.database_url)
    print(bootstrap.migrate(settings))
    return EXIT_OK


def _make_sqlite_directory(url: str) -> None:
    """`migrate` makes the ledger, so it also makes the directory of a SQLite file (the
    per-user data directory does not exist on a new machine); one line if it cannot."""
    from podwarden.adapters.sql.migrate import make_sqlite_directory

    make_sqlite_directory(url)


def _doctor(args: argparse.Namespace) -> int:
    from podwarden import doctor

    if args.local:
        return doctor.local()
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
    from bot.parser import parse
    from podwarden.errors import InputError

    try:
        words = _ask_flags(args, list(args.text))
    except InputError as exc:
        print(f"podwarden ask: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    if words and words[0].lstrip().startswith("/"):  # "/gpu quote a100", pasted from Slack
        rest = words[0].split(None, 1)[1:]
        words = [*rest, *words[1:]]
    if not words:
        print("podwarden ask: give a command, e.g. podwarden ask --sim \"quote a100\"", file=sys.stderr)
        return EXIT_USAGE
    text = words[0] if len(words) == 1 else shlex.join(words)  # keep the user's grouping
    try:
        text = _quoted_flags(args, text)
    except InputError as exc:
        print(f"podwarden ask: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    if not text.strip():
        print("podwarden ask: give a command, e.g. podwarden ask --sim \"quote a100\"", file=sys.stderr)
        return EXIT_USAGE
    problem = _user_problem(args.as_user)
    if problem:
        print(f"podwarden ask: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        parse(text)  # bad input answers here, before any account is reached, with exit status 2
    except InputError as exc:
        usage = f"\n\nUsage: {exc.usage}" if exc.usage else ""  # as every reply sets its usage apart
        if args.json:
            import json

            print(json.dumps({"ok": False, "error": exc.message, "usage": exc.usage or None}))
        else:
            print(f"{exc.message}{usage}")
        return EXIT_USAGE
    return console.ask(text, user=args.as_user, as_json=args.json, sim=args.sim)


def _user_problem(user: str) -> str | None:
    """What is wrong with an `--as USER`, or None: roles are given to Slack user ids."""
    from podwarden.settings import is_slack_user_id

    if is_slack_user_id(user):
        return None
    shown = repr(user) if len(user) <= 24 else repr(user[:23]) + "…"
    return f"--as needs a Slack user id such as U012AB3CD, got {shown}"


def _quoted_flags(args: argparse.Namespace, text: str) -> str:
    """`text` without the `--json`, `--sim` or `--as USER` a person put inside the quoted command
    (`podwarden ask --sim "gpus --json"`), which are honoured as if typed outside. Text without
    them is returned as typed, so the parser reads exactly what the person wrote."""
    from bot.parser import normalise

    try:
        tokens = shlex.split(normalise(text))
    except ValueError:  # unbalanced quotes or a control character: the parser says so
        return text
    if not any(t in {"--json", "--sim", "--as"} or t.startswith("--as=") for t in tokens):
        return text
    return shlex.join(_ask_flags(args, tokens))


def _ask_flags(args: argparse.Namespace, words: list[str]) -> list[str]:
    """Take `--json`, `--sim` and `--as USER` from anywhere in `words`: people type them after
    the command too (`podwarden ask "quote a100" --json`). No verb has options of these names."""
    rest: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word in {"--json", "--sim"}:
            setattr(args, word[2:], True)
        elif word == "--as" or word.startswith("--as="):
            if word == "--as":
                if i + 1 >= len(words):
                    from podwarden.errors import InputError

                    raise InputError("--as needs a Slack user id, e.g. --as U012AB3CD")
                i += 1
                args.as_user = words[i]
            else:
                args.as_user = word.removeprefix("--as=")
        else:
            rest.append(word)
        i += 1
    return rest


def _port(text: str) -> int:
    """A TCP port for argparse: 0 (any free one) to 65535, or one line saying what is wrong."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 0-65535, got {port}")
    return port


def _bot(args: argparse.Namespace) -> int:
    from bot.app import run

    return run(http=args.http, port=args.port, host=args.host, sim=args.sim)


def _daemon(args: argparse.Namespace) -> int:
    from daemon.main import run

    return run(once=args.once, sim=args.sim, out=sys.stdout)


def _run(args: argparse.Namespace) -> int:
    """`podwarden run`: the daemon's scheduler in the background, the bot in the foreground, one
    process. Without a Slack bot token there is no bot to run: the daemon runs alone and says so.

    With `--sim` both sides share one simulator and one ledger (a throwaway one unless
    PODWARDEN_DATABASE_URL names one), so the bot sees what the daemon did."""
    import tempfile

    from bot.app import check_settings
    from bot.app import run as run_bot
    from daemon.main import in_background
    from daemon.main import run as run_daemon
    from podwarden import bootstrap

    settings = bootstrap.settings()
    if settings.slack_bot_token is None or not settings.slack_bot_token.get_secret_value():
        logging.getLogger("podwarden").warning(
            "no PODWARDEN_SLACK_BOT_TOKEN: running the daemon alone, its notices printed here")
        return run_daemon(once=False, out=sys.stdout, sim=args.sim, settings=settings)
    check_settings(settings, http=args.http)  # a missing app token or secret: one line, before any build
    with contextlib.ExitStack() as stack:
        sim: object = False
        if args.sim:
            sim = bootstrap.simulator()
            if "database_url" not in settings.model_fields_set:
                scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix="podwarden-sim-"))
                settings = settings.model_copy(update={"database_url": f"sqlite:///{scratch}/ledger.db"})
        services = stack.enter_context(bootstrap.build(settings, sim=sim))
        stack.enter_context(in_background(services))
        return run_bot(http=args.http, port=args.port, host=args.host, sim=sim, settings=settings)
    return EXIT_FAILED  # pragma: no cover  (mypy: ExitStack may swallow exceptions)


def _console(args: argparse.Namespace) -> int:
    from bot import console

    problem = _user_problem(args.as_user)
    if problem:
        print(f"podwarden console: {problem}", file=sys.stderr)
        return EXIT_USAGE
    return console.repl(user=args.as_user, sim=args.sim)


def _demo(args: argparse.Namespace) -> int:
    from pathlib import Path

    from podwarden import cli_demo as demo
    from podwarden.sim.scenario import Scenario, UnknownScenario

    if not Path(args.scenario).exists() and args.scenario not in Scenario.shipped():  # before the tour starts
        print(f"podwarden demo: {UnknownScenario(args.scenario, Scenario.shipped())}", file=sys.stderr)
        return EXIT_USAGE
    terminal = sys.stdin.isatty()
    # `printf 'quote a100\n' | make demo`: the piped lines are typed into the console after the tour.
    piped = [] if args.no_input or terminal else sys.stdin.read().splitlines()
    return demo.run(interactive=not args.no_input and terminal, lines=piped or None, scenario=args.scenario)


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

    both = add("run", "run the bot and the daemon in one process (the Docker image's default)", _run)
    both.add_argument("--http", action="store_true", help="the bot in HTTP mode (see `podwarden bot --help`)")
    both.add_argument("--port", type=_port, help="HTTP mode: port to listen on (default PODWARDEN_HTTP_PORT, 3000)")
    both.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to bind (default: all)")  # noqa: S104
    both.add_argument("--sim", action="store_true",
                      help="the bot and the daemon against one in-process RunPod simulator, not your account")
    bot = add("bot", "run the Slack bot (Socket Mode, or HTTP with a signing secret)", _bot)
    bot.add_argument("--http", action="store_true",
                     help="serve Slack's requests on /slack/events (needs PODWARDEN_SLACK_SIGNING_SECRET) instead of "
                          "Socket Mode (needs PODWARDEN_SLACK_APP_TOKEN)")
    bot.add_argument("--port", type=_port, help="HTTP mode: port to listen on (default PODWARDEN_HTTP_PORT, 3000)")
    bot.add_argument("--host", default="0.0.0.0", help="HTTP mode: address to bind (default: all)")  # noqa: S104
    bot.add_argument("--sim", action="store_true", help="answer from an in-process RunPod simulator, not your account")
    daemon = add("daemon", "run the lifecycle daemon (idle shutdown, caps, SSH ports, digest)", _daemon)
    daemon.add_argument("--once", action="store_true", help="run one tick, print what it did, and exit")
    daemon.add_argument("--sim", action="store_true", help="against an in-process RunPod simulator")
    demo = add("demo", "try Podwarden with no accounts: the simulator and a terminal console", _demo)
    demo.add_argument("--no-input", action="store_true", help="run the scripted tour only, then exit")
    demo.add_argument("--scenario", default="demo",
                      help="a shipped scenario (demo, team) or a scenario file (default: demo)")

    for name, help_, run in (
        ("console", "type commands as you would in Slack, against RunPod or the simulator", _console),
        ("ask", "run one command and print the answer, e.g. podwarden ask --sim \"quote a100\" (--json, --sim "
                "and --as may come anywhere; bad input exits 2)", _ask),
    ):
        p = add(name, help_, run)
        p.add_argument("--as", dest="as_user", default="U0CONSOLE", metavar="USER",
                       help="the Slack user id to act as (roles come from PODWARDEN_ADMINS/MEMBERS)")
        p.add_argument("--sim", action="store_true", help="use an in-process RunPod simulator, not your account")
        if name == "ask":
            p.add_argument("--json", action="store_true", help="print the figures as JSON")
            p.add_argument("text", nargs=argparse.REMAINDER, help="the command, e.g. \"quote a100 --hours 8/day\"")

    sim = add("sim", "serve the RunPod simulator over HTTP (loopback unless --host says otherwise)", _sim)
    sim.add_argument("--port", type=_port, default=8765, help="port to listen on (0 picks a free one)")
    sim.add_argument("--host", default="127.0.0.1", help="address to bind (loopback by default)")
    sim.add_argument("--scenario", help="a shipped scenario (demo, team) or a scenario file (JSON or YAML); "
                                        "default: an account with no pods")
    sim.add_argument("--seed", type=int, default=0, help="random seed, for repeatable worlds")
    sim.add_argument("--api-key", help="accept only this key (default: any non-empty key)")

    mig = add("migrate", "upgrade the ledger to the newest schema", _migrate)
    mig.add_argument("--database-url", help="override PODWARDEN_DATABASE_URL")
    doc = add("doctor", "check settings, the ledger, RunPod and Slack, and say what to fix", _doctor)
    doc.add_argument("--sim", action="store_true", help="check against the in-process simulator")
    doc.add_argument("--local", action="store_true",
                     help="only local state (settings and the ledger's heartbeat), no network: the container's "
                          "health check")
    return parser


def _configure_logging(verbose: bool, *, sim: bool = False) -> None:
    """DEBUG with -v, else `PODWARDEN_LOG_LEVEL` for Podwarden's own loggers and WARNING for
    libraries (a bad setting is reported by the verb itself, so here it only falls back to
    WARNING); misspelt PODWARDEN_* names are warned. The per-user data directory of the
    default ledger is made here, so a first `podwarden ask` works on a new machine; not under
    `--sim`, whose files all go to a throwaway directory."""
    import os

    from podwarden.settings import ENV_FILE, default_database_url, load_settings, unknown_variables

    level = "DEBUG" if verbose else "WARNING"
    with contextlib.suppress(ConfigError, DomainError):
        settings = load_settings()
        level = "DEBUG" if verbose else settings.log_level
        if settings.database_url == default_database_url() and not sim:  # the per-user default: make its home
            with contextlib.suppress(LedgerError):  # `migrate` and `doctor` say why it cannot be made
                _make_sqlite_directory(settings.database_url)
    root = logging.getLogger()
    root.setLevel("DEBUG" if verbose else "WARNING")  # other libraries' INFO (alembic's) is noise
    for ours in ("podwarden", "bot", "daemon"):
        logging.getLogger(ours).setLevel(level)
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    if verbose:  # Slack's and httpx's own DEBUG logs print request bodies and headers.
        for noisy in ("slack_sdk", "slack_bolt", "httpx", "httpcore"):
            logging.getLogger(noisy).setLevel(logging.INFO)
    for warning in unknown_variables(os.environ, env_file=ENV_FILE):
        logging.getLogger("podwarden.settings").warning("%s", warning)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    words = getattr(args, "text", None) or []  # `ask "pods --sim"`: --sim may come inside the command
    _configure_logging(args.verbose, sim=bool(getattr(args, "sim", False)) or any("--sim" in w for w in words))
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
    except Exception:  # a bug: logged with its traceback, one line for the person, never "bad input"
        logging.getLogger("podwarden").exception("internal error in `podwarden %s`", args.verb)
        print(f"podwarden: internal error in `{args.verb}` (logged above); please report it", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
