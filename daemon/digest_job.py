"""The weekly digest job: build the week's figures and post them once (filled by the digest work)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from podwarden.bootstrap import Services


def run(services: Services) -> None:
    """Post the digest of the last full week to the digest channel, once."""
