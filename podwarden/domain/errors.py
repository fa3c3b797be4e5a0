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
