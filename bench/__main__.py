"""`python -m bench`: run every benchmark and write bench/RESULTS.md with date and machine."""

from __future__ import annotations

import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import fleet_read

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
    print("fleet read: one GraphQL request vs one per pod, against the simulator on loopback...", flush=True)
    rows = fleet_read.run()
    table = fleet_read.markdown(rows)
    print(table)
    RESULTS.write_text(
        "# Benchmark results\n\n"
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}.\n"
        "Regenerate with `make bench`. Ratios measured in one run matter; absolute times depend on the machine.\n\n"
        "## Fleet read (the daemon's tick)\n\n"
        f"{fleet_read.__doc__.strip() if fleet_read.__doc__ else ''}\n\n{table}\n",
        encoding="utf-8",
    )
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
