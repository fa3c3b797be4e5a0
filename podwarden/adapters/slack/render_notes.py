"""Notes become replies: one renderer per kind of `Note`, registered with `@renders`.

The Slack notifier and the console notifier both call `render(note)`, so a notice reads the
same in Slack and in the terminal. Modules that define renderers register them on import;
`RENDERER_MODULES` lists them, and the first `render` imports them all.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TypeVar

from podwarden.adapters.slack.reply import Reply
from podwarden.domain.notes import Note

N = TypeVar("N", bound=Note)
_RENDERERS: dict[type[Note], Callable[[Any], Reply]] = {}
RENDERER_MODULES: tuple[str, ...] = (
    "podwarden.adapters.slack.render_approvals",
    "podwarden.adapters.slack.render_lifecycle",
)


def renders(kind: type[N]) -> Callable[[Callable[[N], Reply]], Callable[[N], Reply]]:
    def register(fn: Callable[[N], Reply]) -> Callable[[N], Reply]:
        _RENDERERS[kind] = fn
        return fn

    return register


def render(note: Note) -> Reply:
    """The reply for `note`; a `LookupError` names a kind nobody taught us to render."""
    for module in RENDERER_MODULES:
        importlib.import_module(module)
    for kind in type(note).__mro__:
        fn = _RENDERERS.get(kind)
        if fn is not None:
            return fn(note)
    raise LookupError(f"no renderer for {type(note).__name__}")
