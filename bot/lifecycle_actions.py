"""The buttons of the daemon's notices (Keep 1h, Stop now, Resume, ...): action id → handler.

Filled by the lifecycle daemon's work; the dispatcher merges these with the bot's own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.dispatch import ActionHandler

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


def lifecycle_actions(services: Services) -> dict[str, ActionHandler]:
    return {}
