"""`python -m bench`: run every benchmark and write bench/RESULTS.md with date and machine."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import fleet_read, request_latency

RESULTS = Path(__file__).with_name("RESULTS.md")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores, {cpu}, Python {sys.version.split()[0]}"


def main() -> int:
    print("request latency: small requests on one kept-alive connection to the simulator...", flush=True)
    latency = request_latency.markdown(request_latency.run())
    print(latency)
    print("fleet read: one GraphQL request vs one per pod, against the simulator on loopback...", flush=True)
    table = fleet_read.markdown(fleet_read.run())
    print(table)
    print("fleet read at scale: one request for 300, 1,000 and 3,000 pods...", flush=True)
    scale = fleet_read.scaling_markdown(fleet_read.scaling())
    print(scale)
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n"
        "Regenerate with `make bench`. Ratios measured in one run matter; absolute times depend on the machine.\n\n"
        "## Request latency (any client of `podwarden sim`)\n\n"
        f"{_doc(request_latency)}\n\n{latency}\n\n"
        "## Fleet read (the daemon's tick)\n\n"
        f"{_doc(fleet_read)}\n\n{table}\n\n{scale}\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS}")
    return 0


def _doc(module: object) -> str:
    return (getattr(module, "__doc__", None) or "").strip()


if __name__ == "__main__":
    raise SystemExit(main())
