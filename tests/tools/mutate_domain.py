"""A hand-run mutation pass over podwarden/domain: which flipped comparison, swapped
operator, dropped `not`, `and`/`or` swap or off-by-one constant do the tests not notice?

    python tests/tools/mutate_domain.py [--jobs N] [--budget S] [--lines N,M] [--skip N] [module ...]

It exports the last commit (`git archive HEAD`: never the working tree, whose half-made
changes would fail every run) to a temporary directory per job, checks that both stages
pass there before any mutant, then for each mutant rewrites one node of one module there and runs the tests in
two stages:

1. the unit stage: the files of `tests/unit` that import the module first (so a killed
   mutant costs one small file), then those that import a module built on it;
2. only for a mutant the unit stage missed, the wider stage: every test file elsewhere in
   `tests/` that imports the module, a domain module built on it, or a module of the
   product that imports one of those (the services, bot and daemon tests that reach it
   through real wiring); not the tests that start a child process, whose child would
   import the installed tree rather than the mutated copy.

A mutant both stages miss is printed as SURVIVED with its line: either a test is missing,
or the mutant is equivalent (same behaviour), which the report has to say. Each stage first
tries the tests that killed the module's earlier mutants (`Killers`). One killed only
by the wider stage is printed as WIDE: the behaviour is pinned, but not by a unit test.
`--budget` stops a module after that many seconds and says how many of its mutants were
tried; `--skip` goes on from where a cut-short run stopped. Slow by design (one pytest run
per mutant); not part of `make test`.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import json
import os
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SWAPS: dict[type[Any], type[Any]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.And: ast.Or, ast.Or: ast.And,
}
WIDE_SKIP = ("tests/unit", "tests/tools", "tests/conformance", "tests/sdk", "tests/sim")


def _targets(tree: ast.AST) -> Iterator[tuple[ast.AST, int | None]]:
    """Every node a mutant rewrites, with the index of the operator for a comparison; not the
    flags of a decorator (`@dataclass(frozen=True)`: how a value is stored, not a rule)."""
    decorators = {id(n) for d in ast.walk(tree) if isinstance(d, (ast.FunctionDef, ast.ClassDef))
                  for deco in d.decorator_list for n in ast.walk(deco)}
    for node in ast.walk(tree):
        if id(node) in decorators:
            continue
        if isinstance(node, ast.Compare):
            yield from ((node, i) for i, op in enumerate(node.ops) if type(op) in SWAPS)
        elif _mutable(node):
            yield node, None


def _mutable(node: ast.AST) -> bool:
    if isinstance(node, (ast.BinOp, ast.BoolOp)):
        return type(node.op) in SWAPS
    if isinstance(node, ast.UnaryOp):
        return isinstance(node.op, ast.Not)
    if isinstance(node, ast.Constant):
        return type(node.value) is bool or (type(node.value) is int and node.value in range(0, 10_000))
    return False


def _mutate(node: ast.AST, index: int | None) -> tuple[str, ast.AST]:
    """Rewrite `node` in place (or return its replacement); say what changed."""
    if isinstance(node, ast.Compare) and index is not None:
        old = node.ops[index]
        node.ops[index] = SWAPS[type(old)]()
        return f"{type(old).__name__} -> {type(node.ops[index]).__name__}", node
    if isinstance(node, (ast.BinOp, ast.BoolOp)):
        old_op = node.op
        node.op = SWAPS[type(old_op)]()
        return f"{type(old_op).__name__} -> {type(node.op).__name__}", node
    if isinstance(node, ast.UnaryOp):
        return "not x -> x", node.operand
    assert isinstance(node, ast.Constant)
    value = node.value
    if isinstance(value, bool):
        node.value = not value
        return f"{value} -> {not value}", node
    assert isinstance(value, int)
    node.value = value + 1
    return f"{value} -> {value + 1}", node


class _Replace(ast.NodeTransformer):
    def __init__(self, old: ast.AST, new: ast.AST) -> None:
        self.old, self.new = old, new

    def visit(self, node: ast.AST) -> Any:
        return self.new if node is self.old else self.generic_visit(node)


def mutants(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, what, mutated source) for every node `_targets` names, in a stable order."""
    for position, (node, index) in enumerate(list(_targets(ast.parse(source)))):
        mutated = ast.parse(source)
        candidate, _ = list(_targets(mutated))[position]
        what, replacement = _mutate(candidate, index)
        if replacement is not candidate:
            mutated = _Replace(candidate, replacement).visit(mutated)
        yield getattr(node, "lineno", 0), what, ast.unparse(mutated)


INDIRECT = {"advice": ("test_quotes",)}  # advice is tested through the quotes that use it


def _imports(text: str, dotted: str) -> bool:
    """Does a file's text import module `dotted` (e.g. podwarden.domain.idle)?"""
    package, _, leaf = dotted.rpartition(".")
    return bool(re.search(rf"\b{re.escape(dotted)}\b|from {re.escape(package)} import [^\n]*\b{leaf}\b", text))


def _sources(root: Path) -> dict[str, str]:
    """Dotted name -> text of every module of the product."""
    found = {}
    for top in ("podwarden", "bot", "daemon"):
        for path in (root / top).rglob("*.py"):
            dotted = ".".join(path.relative_to(root).with_suffix("").parts)
            found[dotted.removesuffix(".__init__")] = path.read_text(encoding="utf-8")
    return found


def dependents(name: str, root: Path = ROOT) -> set[str]:
    """Domain module `name`, every domain module built on it (directly or not), and every
    module outside the domain that imports one of those directly."""
    sources = _sources(root)
    domain = {m for m in sources if m.startswith("podwarden.domain.")}
    found, todo = {f"podwarden.domain.{name}"}, [f"podwarden.domain.{name}"]
    while todo:
        current = todo.pop()
        for module in domain - found:
            if _imports(sources[module], current):
                found.add(module)
                todo.append(module)
    return found | {m for m, text in sources.items() if m not in domain and any(_imports(text, d) for d in found)}


def covering_tests(name: str, root: Path = ROOT) -> list[str]:
    """The unit stage: the unit test files that import `name` (or are named for it) first,
    then those that import a module built on it; the whole of `tests/unit` if none does."""
    own, built_on = [], []
    modules = dependents(name, root) - {f"podwarden.domain.{name}"}
    for path in sorted((root / "tests" / "unit").glob("test_*.py")):
        text = path.read_text(encoding="utf-8")
        relative = str(path.relative_to(root))
        if _imports(text, f"podwarden.domain.{name}") or path.stem in {f"test_{name}", *INDIRECT.get(name, ())}:
            own.append(relative)
        elif any(_imports(text, module) for module in modules):
            built_on.append(relative)
    return [*own, *built_on] or ["tests/unit"]


def wider_tests(name: str, root: Path = ROOT) -> list[str]:
    """The wider stage: test files outside the unit suite that import `name` or a module
    built on it."""
    modules = dependents(name, root)
    found = []
    for path in sorted((root / "tests").rglob("test_*.py")):
        relative = str(path.relative_to(root))
        text = path.read_text(encoding="utf-8")
        spawns = "subprocess" in text  # a child process imports the installed tree, not this copy
        if not relative.startswith(WIDE_SKIP) and not spawns and any(_imports(text, module) for module in modules):
            found.append(relative)
    return found


@dataclass(frozen=True)
class Mutant:
    module: str
    number: int
    line: int
    what: str
    source: str


def _export(copy: Path) -> Path:
    """The last commit, unpacked at `copy`."""
    copy.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(copy)], input=archive.stdout, check=True)
    return copy


# Imported once by each `_serve`; never a pytest plugin (hypothesis, anyio), which pytest must
# import itself to rewrite its asserts (an early import is a warning, an error in this suite).
PRELOAD = ("pytest", "sqlalchemy", "alembic", "pydantic", "pydantic_settings", "httpx", "graphql", "slack_sdk",
           "slack_bolt", "apscheduler", "starlette")


class _FirstFailure:
    """A pytest plugin that writes the node id of the first failing test to a file descriptor."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._told = False

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed and not self._told:
            self._told = True
            os.write(self._fd, report.nodeid.encode("utf-8"))


def _serve() -> int:
    """One job's pytest server, run in a copy: the third-party imports (about half of a small
    run's time) are paid once; each run is a fork that imports the product afresh, so it sees
    the mutant written just before. Reads a JSON list of tests (paths or node ids) a line;
    answers a JSON line: pytest's exit status and the node id of the test that failed."""
    sys.path.insert(0, os.getcwd())
    for name in PRELOAD:
        importlib.import_module(name)
    pytest = importlib.import_module("pytest")
    for line in sys.stdin:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: one pytest run, quiet
            os.close(read_end)
            quiet = os.open(os.devnull, os.O_WRONLY)
            os.dup2(quiet, 1)
            os.dup2(quiet, 2)
            status = 3  # pytest's "internal error", if pytest.main itself raises
            try:
                status = int(pytest.main(["-x", "-q", "-p", "no:cacheprovider", *json.loads(line)],
                                         plugins=[_FirstFailure(write_end)]))
            finally:
                os._exit(status)
        os.close(write_end)
        with os.fdopen(read_end, "rb") as failed:
            killer = failed.read().decode("utf-8") or None
        _, status = os.waitpid(pid, 0)
        print(json.dumps({"status": os.waitstatus_to_exitcode(status), "failed": killer}), flush=True)
    return 0


class _Worker:
    """The mutation run's side of `_serve`, one per copy."""

    def __init__(self, copy: Path) -> None:
        self.copy = copy
        # No bytecode cache: a mutant the size of the original, written within the second the
        # original was, would otherwise be run from the original's cached bytecode (or the reverse).
        environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
        self._process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--serve"], cwd=copy,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=environment)

    def passes(self, tests: list[str]) -> bool:
        return self.killer(tests) is None

    def killer(self, tests: list[str]) -> str | None:
        """None when `tests` pass; else the node id of the test that failed ("?" if none did:
        an error outside a test, e.g. at import)."""
        if not tests:
            return None
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        self._process.stdin.write(json.dumps(tests) + "\n")
        self._process.stdin.flush()
        answer = json.loads(self._process.stdout.readline())
        return None if answer["status"] == 0 else answer["failed"] or "?"

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait()


class Killers:
    """The tests that killed a module's earlier mutants, tried first: most mutants of one
    module die in the same few tests, so a mutant usually costs one short run."""

    def __init__(self) -> None:
        self._ids: list[str] = []
        self._lock = threading.Lock()

    def recent(self, *, unit: bool) -> list[str]:
        with self._lock:
            return [i for i in self._ids if i.startswith("tests/unit/") == unit][:8]

    def add(self, node_id: str) -> None:
        if "::" not in node_id:
            return
        with self._lock:
            if node_id in self._ids:
                self._ids.remove(node_id)
            self._ids.insert(0, node_id)


def _verdict(worker: _Worker, mutant: Mutant, killers: Killers, *, wide: bool) -> str:
    """killed (by a unit test), WIDE (only by a wider one) or SURVIVED. Each stage tries the
    tests that killed earlier mutants first, then the whole stage."""
    copy = worker.copy
    target = copy / "podwarden" / "domain" / f"{mutant.module}.py"
    original = target.read_text(encoding="utf-8")
    target.write_text(mutant.source, encoding="utf-8")
    try:
        for verdict, stage in (("killed", covering_tests(mutant.module, copy)),
                               ("WIDE", wider_tests(mutant.module, copy) if wide else [])):
            unit = verdict == "killed"
            killer = worker.killer(killers.recent(unit=unit)) or worker.killer(stage)
            if killer is not None:
                killers.add(killer)
                return verdict
        return "SURVIVED"
    finally:
        target.write_text(original, encoding="utf-8")


def _run_module(
    name: str, workers: list[_Worker], every: list[Mutant], budget: float | None, *, wide: bool,
) -> dict[str, int]:
    """Run `every` mutant of module `name`, one copy of the repository per thread; print
    each mutant the unit stage missed as it is found."""
    source = (workers[0].copy / "podwarden" / "domain" / f"{name}.py").read_text(encoding="utf-8")
    counts = {"killed": 0, "WIDE": 0, "SURVIVED": 0}
    todo: queue.Queue[Mutant] = queue.Queue()
    for mutant in every:
        todo.put(mutant)
    started = time.monotonic()
    lock = threading.Lock()
    killers = Killers()

    def work(worker: _Worker) -> None:
        while budget is None or time.monotonic() - started <= budget:
            try:
                mutant = todo.get_nowait()
            except queue.Empty:
                return
            verdict = _verdict(worker, mutant, killers, wide=wide)
            with lock:
                counts[verdict] += 1
                if verdict != "killed":
                    text = source.splitlines()[mutant.line - 1].strip()
                    print(f"{verdict} {name}.py:{mutant.line} #{mutant.number} {mutant.what}   | {text}", flush=True)

    threads = [threading.Thread(target=work, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def _run_all(names: list[str], workers: list[_Worker], args: argparse.Namespace) -> int:
    """Every module's mutants; the number that survived both stages (-1: a broken baseline)."""
    missed = 0
    wide = not args.unit_only
    copy = workers[0].copy
    for name in names:
        broken = [stage for stage in (covering_tests(name, copy), wider_tests(name, copy) if wide else [])
                  if not workers[0].passes(stage)]
        if broken:
            print(f"{name}: the tests fail with no mutant ({' '.join(broken[0])}): not run", flush=True)
            return -1
        source = (copy / "podwarden" / "domain" / f"{name}.py").read_text(encoding="utf-8")
        every = [Mutant(name, n, line, what, text) for n, (line, what, text) in enumerate(mutants(source))
                 if args.lines is None or line in args.lines][args.skip:]
        if args.shuffle:  # a time box then tries a uniform sample, not the top of the file
            random.Random(f"{name}:{len(every)}").shuffle(every)
        started = time.monotonic()
        counts = _run_module(name, workers, every, args.budget, wide=wide)
        tried = sum(counts.values())
        missed += counts["SURVIVED"]
        cut = f" (time-boxed: {tried} of {len(every)} tried)" if tried < len(every) else ""
        cut += f" after skipping {args.skip}" if args.skip else ""
        print(f"{name}: {counts['killed']} killed by unit tests, {counts['WIDE']} only by wider tests, "
              f"{counts['SURVIVED']} survived, of {tried}{cut} in {time.monotonic() - started:.0f} s", flush=True)
    return missed


def main(argv: list[str]) -> int:
    if argv == ["--serve"]:
        return _serve()
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--jobs", type=int, default=1, help="mutants run at once, each in its own copy")
    options.add_argument("--budget", type=float, default=None, help="seconds per module before it is cut short")
    options.add_argument("--lines", type=lambda text: {int(n) for n in text.split(",")}, default=None,
                         help="only the mutants on these lines, e.g. 179,183 (to check a new test kills them)")
    options.add_argument("--skip", type=int, default=0,
                         help="start after this many mutants of each module (to go on from a time-boxed run)")
    options.add_argument("--shuffle", action="store_true",
                         help="try the mutants in a fixed random order (with --budget: a uniform sample)")
    options.add_argument("--unit-only", action="store_true",
                         help="no wider stage (to check quickly that new unit tests kill chosen mutants)")
    options.add_argument("modules", nargs="*")
    args = options.parse_args(argv)
    names = args.modules or sorted(p.stem for p in (ROOT / "podwarden" / "domain").glob("*.py")
                                   if p.stem != "__init__")
    with tempfile.TemporaryDirectory(prefix="podwarden-mutants-") as tmp:
        workers = [_Worker(_export(Path(tmp) / f"repo{job}")) for job in range(max(1, args.jobs))]
        try:
            missed = _run_all(names, workers, args)
        finally:
            for worker in workers:
                worker.close()
    return 2 if missed < 0 else 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
