"""Fixtures of the cost engine's unit tests (data in `gpu_catalog`)."""

from __future__ import annotations

import pytest

from podwarden.domain.models import GpuType
from podwarden.domain.pricing import PriceBook
from tests.unit.gpu_catalog import BOOK, CATALOG


@pytest.fixture
def catalog() -> tuple[GpuType, ...]:
    return CATALOG


@pytest.fixture
def book() -> PriceBook:
    return BOOK
