"""A hand-run mutation pass over podwarden/domain: which flipped comparison, off-by-one
constant or swapped operator do the unit tests not notice?

    python tests/tools/mutate_domain.py [--budget S] [--lines N,M] [--skip N] [module ...]   # default: all

It copies the repository to a temporary directory (the working tree is never touched), then
for each mutant rewrites one node of one module there and runs, against the copy, the
tests that cover that module: `tests/unit`, plus `tests/services` for the digest modules
(the digest is tested through the reporting service). The test files that name the module
run first, so a killed mutant costs one small file, not the whole suite. `--budget` stops a
module after that many seconds and says how many of its mutants were tried. A surviving
mutant is printed with its line: either a test is missing, or
the mutant is equivalent (same behaviour), which the report has to say. Slow by design (one
pytest run per mutant); not part of `make test`.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SWAPS: dict[type[Any], type[Any]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Eq: ast.NotEq, ast.NotEq: ast.Eq,
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
}


def mutants(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, what, mutated source) for every comparison, arithmetic operator and int constant."""
    tree = ast.parse(source)
    targets: list[tuple[ast.expr, int | None]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            targets.extend((node, i) for i, op in enumerate(node.ops) if type(op) in SWAPS)
        elif (isinstance(node, ast.BinOp) and type(node.op) in SWAPS) or (
            isinstance(node, ast.Constant) and type(node.value) is int and node.value in range(0, 10_000)
        ):
            targets.append((node, None))
    for node, index in targets:
        mutated = ast.parse(source)
        for candidate in ast.walk(mutated):
            if (type(candidate) is type(node) and getattr(candidate, "lineno", None) == node.lineno
                    and getattr(candidate, "col_offset", None) == node.col_offset):
                break
        else:
            continue
        if isinstance(candidate, ast.Compare) and index is not None:
            old = candidate.ops[index]
            candidate.ops[index] = SWAPS[type(old)]()
            what = f"{type(old).__name__} -> {type(candidate.ops[index]).__name__}"
        elif isinstance(candidate, ast.BinOp):
            old_op = candidate.op
            candidate.op = SWAPS[type(old_op)]()
            what = f"{type(old_op).__name__} -> {type(candidate.op).__name__}"
        elif isinstance(candidate, ast.Constant) and isinstance(candidate.value, int):
            what = f"{candidate.value} -> {candidate.value + 1}"
            candidate.value = candidate.value + 1
        else:
            continue
        yield node.lineno, what, ast.unparse(mutated)


INDIRECT = {"advice": ("test_quotes",)}  # advice is tested through the quotes that use it


def suites(name: str) -> list[str]:
    """The test directories that cover domain module `name`."""
    return ["tests/unit", "tests/services"] if name.startswith("digest") else ["tests/unit"]


def covering_tests(name: str, root: Path = ROOT) -> list[str]:
    """`name`'s own test files first (they import it or are named for it), then its suites;
    pytest runs a file named twice only once."""
    first = []
    for suite in suites(name):
        for path in sorted((root / suite).glob("test_*.py")):
            text = path.read_text(encoding="utf-8")
            named = f"domain.{name} " in text or f"domain.{name}\n" in text
            if named or path.stem in {f"test_{name}", *INDIRECT.get(name, ())}:
                first.append(str(path.relative_to(root)))
    return [*first, *suites(name)]


def main(argv: list[str]) -> int:
    options = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    options.add_argument("--budget", type=float, default=None, help="seconds per module before it is cut short")
    options.add_argument("--lines", type=lambda text: {int(n) for n in text.split(",")}, default=None,
                         help="only the mutants on these lines, e.g. 179,183 (to check a new test kills them)")
    options.add_argument("--skip", type=int, default=0,
                         help="start after this many mutants of each module (to go on from a time-boxed run)")
    options.add_argument("modules", nargs="*")
    args = options.parse_args(argv)
    domain = ROOT / "podwarden" / "domain"
    names = args.modules or sorted(p.stem for p in domain.glob("*.py") if p.stem != "__init__")
    survivors = 0
    with tempfile.TemporaryDirectory(prefix="podwarden-mutants-") as tmp:
        copy = Path(tmp) / "repo"
        shutil.copytree(ROOT, copy, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__", "*.db"))
        for name in names:
            target = copy / "podwarden" / "domain" / f"{name}.py"
            original = target.read_text(encoding="utf-8")
            tests = covering_tests(name, copy)
            every = [m for m in mutants(original) if args.lines is None or m[0] in args.lines][args.skip:]
            killed = tried = 0
            started = time.monotonic()
            for line, what, source in every:
                if args.budget is not None and time.monotonic() - started > args.budget:
                    break
                tried += 1
                target.write_text(source, encoding="utf-8")
                run = subprocess.run(
                    [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
                    cwd=copy, capture_output=True, text=True, check=False,
                )
                if run.returncode == 0:
                    survivors += 1
                    print(f"SURVIVED {name}.py:{line} {what}", flush=True)
                else:
                    killed += 1
            target.write_text(original, encoding="utf-8")
            cut = f" (time-boxed: {tried} of {len(every)} tried)" if tried < len(every) else ""
            cut += f" after skipping {args.skip}" if args.skip else ""
            print(f"{name}: {killed}/{tried} killed{cut} in {time.monotonic() - started:.0f} s "
                  f"[{' '.join(tests)}]", flush=True)
    return 1 if survivors else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
