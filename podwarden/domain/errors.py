"""Errors raised by the pure core.

    DomainError
    └── InputError      something a user typed or configured is not valid; the message says
                        what was wrong in one line, `usage` (when set) how to say it instead

The domain raises these instead of returning sentinels so that every face (Slack, console,
CLI) can turn them into the same one-line answer. The package-wide tree in
`podwarden.errors` re-exports them beside the adapter errors.
"""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error the pure core raises."""


class InputError(DomainError, ValueError):
    """A value a person supplied is not acceptable.

    `str(error)` is the one line shown to the user; `usage` is filled in by the command
    parser with the usage of the verb being parsed, so domain code need not know verbs.
    """

    def __init__(self, message: str, *, usage: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.usage = usage

    def with_usage(self, usage: str) -> InputError:
        """The same error, carrying the usage line of the verb it belongs to."""
        return InputError(self.message, usage=usage)


def shown(value: object, limit: int = 40) -> str:
    """`value` as an error message echoes it: whole when short, cut with an ellipsis when
    someone pasted a page or a 400-digit number, so an answer never repeats the paste."""
    text = str(value).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quoted(value: object, limit: int = 40) -> str:
    """`repr` of `shown(value)`: `'banana'`, or `'99999…'` for a paste."""
    text = str(value).strip()
    return repr(text) if len(text) <= limit else repr(text[: limit - 1]) + "…"
