"""Run a command beside a throwaway PostgreSQL cluster.

    python scripts/with_postgres.py -- CMD ARGS...

Starts a private cluster (initdb + pg_ctl) in a temporary directory, listening on a free
port of 127.0.0.1 only with trust authentication, runs CMD with
PODWARDEN_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:PORT/postgres, then
always stops the cluster and deletes the directory (also on Ctrl-C or SIGTERM) and exits
with CMD's exit code. PostgreSQL refuses to run as root, so as root the cluster runs as
the `postgres` user through `runuser`.

When PostgreSQL cannot be started here (no initdb/pg_ctl, no `postgres` user, initdb
fails...), it prints one line saying why and runs CMD without the variable, so that
the PostgreSQL cases are reported as not run rather than failing.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

ENV_VAR = "PODWARDEN_TEST_POSTGRES_URL"
PREFIX = "with_postgres:"
SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/local/pgsql/bin", "/opt/homebrew/opt/postgresql@*/bin")
START_TIMEOUT_S = 60


class Unavailable(Exception):
    """PostgreSQL cannot be started here; the message says why, in one line."""


def main(argv: Sequence[str]) -> int:
    command = list(argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python scripts/with_postgres.py -- CMD [ARGS...]", file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, _terminate)
    env = dict(os.environ)
    env.pop(ENV_VAR, None)
    try:
        with _cluster() as url:
            print(f"{PREFIX} PostgreSQL ready at {url}", flush=True)
            return _run(command, {**env, ENV_VAR: url})
    except Unavailable as why:
        print(f"{PREFIX} PostgreSQL tests will not run: {why}", flush=True)
        return _run(command, env)


@contextlib.contextmanager
def _cluster() -> Iterator[str]:
    initdb, pg_ctl = _binaries()
    as_user = _runner()
    root = Path(tempfile.mkdtemp(prefix="podwarden-pg-"))
    data, log = root / "data", root / "server.log"
    started = False
    try:
        if as_user:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        _check([*as_user, initdb, "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--locale=C", "--no-sync", "--no-instructions"], "initdb failed")
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n", encoding="utf-8"
        )
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -k {root} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        started = True
        _check([*as_user, pg_ctl, "-D", str(data), "-l", str(log), "-o", options, "-w",
                "-t", str(START_TIMEOUT_S), "start"], f"pg_ctl start failed (see {log})", log=log)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        if started:
            subprocess.run(  # noqa: S603 - our own argv, no shell
                [*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def _binaries() -> tuple[str, str]:
    for folder in [None, *sorted(_expand(SEARCH), key=_version, reverse=True)]:
        initdb, pg_ctl = shutil.which("initdb", path=folder), shutil.which("pg_ctl", path=folder)
        if initdb and pg_ctl:
            return initdb, pg_ctl
    raise Unavailable("initdb and pg_ctl not found on PATH or in " + ", ".join(SEARCH))


def _runner() -> list[str]:
    """The prefix that runs a PostgreSQL binary as a user PostgreSQL accepts."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    if runuser is None:
        raise Unavailable("running as root and `runuser` is missing (initdb refuses root)")
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        raise Unavailable("running as root and there is no `postgres` user (initdb refuses root)") from None
    return [runuser, "-u", "postgres", "--"]


def _check(argv: list[str], failure: str, *, log: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, check=False)  # noqa: S603 - our own argv
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        if log is not None and log.exists():
            said += log.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        raise Unavailable(f"{failure}: {said[-1] if said else f'exit code {done.returncode}'}")


def _run(command: list[str], env: dict[str, str]) -> int:
    child = subprocess.Popen(command, env=env)  # noqa: S603 - the command the user asked to run
    try:
        return _exit_code(child.wait())
    except KeyboardInterrupt:  # the child got the same Ctrl-C; let it finish its cleanup
        return _exit_code(child.wait())
    except SystemExit:  # SIGTERM: pass it on, then clean up
        child.terminate()
        child.wait()
        raise


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _expand(patterns: Sequence[str]) -> list[str]:
    return [path for pattern in patterns for path in glob.glob(pattern)]


def _version(folder: str) -> tuple[int, ...]:
    digits = "".join(c if c.isdigit() else " " for c in folder).split()
    return tuple(int(d) for d in digits)


def _terminate(signum: int, _frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # a second Ctrl-C; the cluster was stopped on the way out
        sys.exit(130)
