"""The Serverless $/s table, read from a dated JSON file: the shipped one or a team's own.

The table ships inside the package (`podwarden/data/serverless_prices.json`, read through
`importlib.resources` so it works from a wheel or a zip) and a team may replace it with
`PODWARDEN_SERVERLESS_PRICES_FILE` when RunPod changes its prices. Numbers in the JSON are
read as `Decimal`, never as floats. A file that cannot be read, is not JSON or does not
have the table's shape stops the program with a `ConfigError` naming the file and the
first thing wrong with it. Reading files is an adapter's job: services get the table as a
value from `bootstrap`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path

from podwarden.domain.errors import InputError
from podwarden.domain.pricing import ServerlessTable, parse_serverless_table
from podwarden.errors import ConfigError

__all__ = ["SHIPPED_TABLE", "load_serverless_table"]

SHIPPED_TABLE = ("podwarden.data", "serverless_prices.json")
_SETTING = "PODWARDEN_SERVERLESS_PRICES_FILE"


def load_serverless_table(path: str | Path | None = None) -> ServerlessTable:
    """The Serverless table from `path`, or the shipped one when `path` is None."""
    if path is None:
        package, name = SHIPPED_TABLE
        where = f"the shipped {name}"
        text = resources.files(package).joinpath(name).read_text(encoding="utf-8")
    else:
        where = f"{_SETTING}: {path}"
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read it ({exc.strerror or exc})") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: not a UTF-8 text file") from None
    try:
        data = json.loads(text, parse_float=Decimal)
    except json.JSONDecodeError as exc:
        problem = f"{exc.msg} at line {exc.lineno}, column {exc.colno}"
        raise ConfigError(f"{where}: not valid JSON ({problem})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: expected a JSON object with date, source and classes")
    try:
        return parse_serverless_table(data)
    except InputError as exc:
        raise ConfigError(f"{where}: {exc.message}") from None
