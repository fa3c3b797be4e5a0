"""`size --batch N`: how many sequences the comfortable figure holds at once."""

from __future__ import annotations

import pytest

from bot import commands as c
from bot.parser import parse
from podwarden.errors import InputError


def test_batch_is_read_and_bounded() -> None:
    assert parse("size 70B --dtype int4 --context 32768 --batch 8") == c.Size(
        params="70B", dtype="int4", context=32768, batch=8)
    assert parse("size 70B").batch is None  # type: ignore[attr-defined]
    for bad in ("0", "2000", "two"):
        with pytest.raises(InputError, match="--batch") as caught:
            parse(f"size 70B --batch {bad}")
        assert caught.value.usage is not None
        assert "--batch N" in caught.value.usage


def test_a_bigger_batch_needs_a_bigger_comfortable_gpu(podwarden_env: object) -> None:
    from podwarden import bootstrap

    with bootstrap.build(bootstrap.settings(), sim=True) as services:
        small = services.costs.size(params="70B", dtype="int4", context=8192, batch=1)
        large = services.costs.size(params="70B", dtype="int4", context=8192, batch=16)
    assert (small.comfortable_batch, large.comfortable_batch) == (1, 16)
    assert large.comfortable_kv_cache_gb == 16 * small.comfortable_kv_cache_gb
    assert small.comfortable is not None
    assert large.comfortable is not None
    assert large.comfortable.vram_gb > small.comfortable.vram_gb
