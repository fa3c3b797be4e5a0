from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.domain.errors import InputError
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.sizing import (
    DTYPE_BYTES,
    USABLE_FRACTION,
    kv_cache_gb,
    parse_dtype,
    parse_params,
    size_model,
)
from tests.unit.gpu_catalog import CATALOG, SIM_SOURCE


def test_7b_at_bf16_needs_about_14_gb_and_fits_a_16_gb_a4000() -> None:
    sizing = size_model(parse_params("7B"), "bf16", catalog=CATALOG, label="7B")
    assert sizing.weights_gb == Decimal(14)
    assert sizing.overhead_gb == Decimal("0.7")
    assert sizing.required_gb == Decimal("14.7")
    a4000 = next(o for o in sizing.options if o.gpu_id == "NVIDIA RTX A4000")
    assert (a4000.count, a4000.vram_gb, a4000.usable_gb) == (1, Decimal(16), Decimal("15.20"))
    assert a4000.headroom_gb == Decimal("0.5")
    assert sizing.headline.startswith("7B at BF16 needs ~14 GB of weights, 14.7 GB in all; cheapest fit: 1 × ")
    assert "+5% (0.7 GB) for activations and runtime buffers." in sizing.note
    assert "usable VRAM is taken as 95%" in sizing.note


def test_the_cheapest_fit_comes_first() -> None:
    sizing = size_model(Decimal(7), catalog=CATALOG)
    prices = [o.per_hour for o in sizing.options]
    assert prices == sorted(prices)
    first = sizing.options[0]
    assert (first.gpu_name, first.count, first.per_hour) == ("RTX 4000 Ada", 1, Decimal("0.26"))
    assert first.gpu_rate.source == "catalog"
    assert sizing.headline.endswith("cheapest fit: 1 × RTX 4000 Ada at $0.26/h (4.3 GB to spare).")


def test_four_bit_needs_a_quarter_of_bf16() -> None:
    bf16 = size_model(Decimal(70), "bf16", catalog=CATALOG)
    int4 = size_model(Decimal(70), "int4", catalog=CATALOG)
    assert int4.weights_gb * 4 == bf16.weights_gb == Decimal(140)
    assert DTYPE_BYTES["fp8"] == DTYPE_BYTES["int8"] == 1


def test_70b_at_bf16_takes_two_80_gb_gpus() -> None:
    sizing = size_model(Decimal(70), catalog=CATALOG, cloud=Cloud.COMMUNITY, price_source=SIM_SOURCE)
    a100 = next(o for o in sizing.options if o.gpu_id == "NVIDIA A100 80GB PCIe")
    assert (a100.count, a100.per_hour) == (2, Decimal("3.28"))
    assert all(o.gpu_id != "NVIDIA B200" for o in sizing.options)  # not offered in community cloud


def test_a_context_adds_a_kv_cache() -> None:
    sizing = size_model(Decimal(7), catalog=CATALOG, context=32768)
    assert sizing.kv_cache_gb == kv_cache_gb(Decimal(7), 32768)
    assert Decimal(4) < sizing.kv_cache_gb < Decimal(5)
    assert sizing.required_gb == Decimal("14.7") + sizing.kv_cache_gb
    assert "NVIDIA RTX A4000" not in {o.gpu_id for o in sizing.options if o.count == 1}
    assert "KV cache for one 32,768-token sequence: ~4.4 GB" in sizing.note


def test_nothing_fits_in_one_pod() -> None:
    sizing = size_model(parse_params("1.5T"), catalog=CATALOG)
    assert sizing.options == ()
    assert not sizing.fits
    assert sizing.headline == (
        "1,500B at BF16 needs ~3,000 GB of weights, 3,150 GB in all: nothing fits in one Pod in secure cloud — "
        "the largest is 8 × MI300X with 1,459.2 GB usable. Try a smaller --dtype (fp8 or int4) or split the "
        "model across Pods."
    )
    assert sizing.as_dict()["fits"] is False


def test_nothing_fits_at_int4_does_not_advise_int4() -> None:
    sizing = size_model(parse_params("99T"), "int4", catalog=CATALOG)
    assert not sizing.fits
    assert "Try a smaller" not in sizing.headline
    assert sizing.headline.endswith("INT4 is the smallest --dtype sized here: split the model across Pods.")


@pytest.mark.parametrize(("size", "weights"), [("7M", "~0.014 GB"), ("7K", "~0.000014 GB"), ("500M", "~1 GB")])
def test_a_small_model_is_never_zero_gigabytes(size: str, weights: str) -> None:
    sizing = size_model(parse_params(size), catalog=CATALOG, label=size)
    assert f"needs {weights} of weights" in sizing.headline
    assert " 0 GB" not in sizing.headline + sizing.note


def test_a_bare_number_says_it_was_read_as_billions() -> None:
    sizing = size_model(parse_params("7"), catalog=CATALOG, label="7")
    assert sizing.headline.startswith("7B at BF16")
    assert sizing.note.startswith("7 is read as 7B parameters (billions)")


def test_nothing_offered_at_all() -> None:
    sizing = size_model(Decimal(7), catalog=(), label="7B")
    assert sizing.headline == (
        "7B at BF16 needs ~14 GB of weights, 14.7 GB in all, but no GPU is offered in secure cloud now."
    )


@pytest.mark.parametrize(
    ("text", "billions"),
    [("7B", "7"), ("70b", "70"), ("1.5T", "1500"), ("500M", "0.5"), ("7", "7"), ("8x7B", "56"), (" 13 B ", "13"),
     ("0.5b", "0.5"), ("175B params", "175")],
)
def test_parse_params(text: str, billions: str) -> None:
    assert parse_params(text) == Decimal(billions)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("banana", "not a model size: 'banana' (use e.g. 7B, 70B, 1.5T or 500M)"),
        ("7Q", "not a model size: '7Q' (use e.g. 7B, 70B, 1.5T or 500M)"),
        ("", "not a model size: '' (use e.g. 7B, 70B, 1.5T or 500M)"),
        ("-7B", "not a model size: '-7B' (use e.g. 7B, 70B, 1.5T or 500M)"),
        ("0B", "a model has more than 0 parameters, got '0B'"),
        ("500T", "at most 100T parameters, got '500T'"),
    ],
)
def test_size_banana_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_params(text)
    assert str(caught.value) == message


def test_a_mixture_of_experts_counts_every_expert() -> None:
    sizing = size_model(parse_params("8x7B"), catalog=CATALOG, label="8x7B")
    assert sizing.params_b == 56
    assert "8x7B counts all 56B parameters: every expert sits in VRAM." in sizing.note


def test_dtypes() -> None:
    assert [parse_dtype(t) for t in ("BF16", "fp16", "fp8", "int8", "int4", "4bit", "bfloat16")] == [
        "bf16", "fp16", "fp8", "int8", "int4", "int4", "bf16"]
    with pytest.raises(InputError, match=r"^unknown --dtype 'fp3': use bf16, fp16, fp8, int8 or int4$"):
        parse_dtype("fp3")


def test_bad_context() -> None:
    with pytest.raises(InputError, match=r"^--context must be 1 to 10,000,000 tokens, got 0$"):
        size_model(Decimal(7), catalog=CATALOG, context=0)


@settings(max_examples=80, deadline=None)
@given(
    st.decimals(min_value=Decimal("0.1"), max_value=2000, places=1),
    st.sampled_from(sorted(DTYPE_BYTES)),
    st.one_of(st.none(), st.integers(min_value=1, max_value=200_000)),
    st.sampled_from([Cloud.SECURE, Cloud.COMMUNITY, Cloud.ALL]),
    st.booleans(),
)
def test_sizing_never_offers_less_vram_than_required(
    params: Decimal, dtype: str, context: int | None, cloud: Cloud, spot: bool
) -> None:
    sizing = size_model(params, dtype, catalog=CATALOG, context=context, cloud=cloud, spot=spot)
    by_id: dict[str, GpuType] = {g.id: g for g in CATALOG}
    for option in sizing.options:
        gpu = by_id[option.gpu_id]
        assert option.count in (1, 2, 4, 8)
        assert option.count <= gpu.max_gpu_count
        assert gpu.memory_gb * option.count * USABLE_FRACTION >= sizing.required_gb
        assert option.headroom_gb == gpu.memory_gb * option.count * USABLE_FRACTION - sizing.required_gb
        if option.count > 1:  # and it is the smallest count that fits
            assert gpu.memory_gb * (option.count // 2) * USABLE_FRACTION < sizing.required_gb
    assert [o.per_hour for o in sizing.options] == sorted(o.per_hour for o in sizing.options)
    # Complete, not only sound: every priced type that some power-of-two Pod of it holds is offered.
    offered = {o.gpu_id for o in sizing.options}
    for gpu in CATALOG:
        holds = any(gpu.memory_gb * n * USABLE_FRACTION >= sizing.required_gb for n in (1, 2, 4, 8)
                    if n <= gpu.max_gpu_count)
        assert (gpu.id in offered) == (holds and gpu.price(cloud, spot=spot) is not None), gpu.id
    assert sizing.fits == bool(offered)


def test_the_note_says_which_gpu_counts_were_tried(catalog: tuple[GpuType, ...]) -> None:
    assert "counts tried: every count RunPod offers for the type, proposed at 1, 2, 4 or 8" in size_model(
        Decimal(70), catalog=catalog
    ).note


def test_70b_at_4_bit_fits_48_gb_and_is_comfortable_on_80_gb() -> None:
    """The guides' example: ~35 GB of weights; a 48 GB GPU holds them, an 80 GB one leaves room
    for the KV cache of 4 × 8,192-token sequences (~9.5 GB with the layer estimate)."""
    sizing = size_model(Decimal(70), "int4", catalog=CATALOG)
    assert sizing.weights_gb == Decimal(35)
    assert (sizing.options[0].count, sizing.options[0].memory_gb) == (1, 48)
    assert sizing.comfortable is not None
    assert 48 * USABLE_FRACTION < sizing.comfortable_required_gb <= 80 * USABLE_FRACTION  # one 48 GB is not
    assert (sizing.comfortable.count, sizing.comfortable.gpu_name) == (2, "A40")  # cheaper than one 80 GB
    assert sizing.comfortable.per_hour == Decimal("0.80")
    assert (sizing.comfortable_context, sizing.comfortable_batch) == (8192, 4)
    assert sizing.comfortable_kv_cache_gb == kv_cache_gb(Decimal(70), 8192, 4)
    assert Decimal("9.4") < sizing.comfortable_kv_cache_gb < Decimal("9.6")
    assert "2 (K and V) × layers × 1,024 × 2 bytes × 8,192 tokens × 4" in sizing.note
    assert "(defaults 4 × 8,192; --context sets the length)" in sizing.note


def test_a_larger_batch_needs_more_room() -> None:
    small = size_model(Decimal(7), catalog=CATALOG, batch=1)
    large = size_model(Decimal(7), catalog=CATALOG, batch=64)
    assert large.comfortable_required_gb > small.comfortable_required_gb
    assert large.comfortable_kv_cache_gb == 64 * small.comfortable_kv_cache_gb
    assert small.options == large.options  # "fits" does not depend on the batch


def test_counts_come_from_what_runpod_offers_and_odd_ones_are_named() -> None:
    """3 × MI300X (576 GB) holds 405B at FP8 (425 GB) but is not a tensor-parallel split: the
    Pod proposed is 4 ×, and the note names 3 ×. A type offered only as 1 or 2 stops at 2."""
    mi300x = next(g for g in CATALOG if g.id == "AMD Instinct MI300X OAM")
    sizing = size_model(Decimal(405), "fp8", catalog=(mi300x,))
    assert [o.count for o in sizing.options] == [4]
    assert [o.count for o in sizing.skipped] == [3]
    assert "3 × MI300X — tensor parallelism does not split" in sizing.note
    from dataclasses import replace

    small = replace(mi300x, available_counts=(1, 2))
    assert size_model(Decimal(405), "fp8", catalog=(small,)).options == ()
    assert replace(mi300x, available_counts=(8, 2, 99)).counts() == (2, 8)
    assert mi300x.counts() == tuple(range(1, mi300x.max_gpu_count + 1))


# -- what the mutation pass found untested ---------------------------------------------------


@pytest.mark.parametrize(("dtype", "weights"), [("fp32", 28), ("fp16", 14), ("bf16", 14), ("fp8", 7), ("int8", 7),
                                                 ("int4", "3.5")])
def test_every_dtype_has_its_bytes_per_parameter(dtype: str, weights: object) -> None:
    assert size_model(Decimal(7), dtype, catalog=CATALOG).weights_gb == Decimal(str(weights))


def test_the_kv_cache_estimate_in_figures() -> None:
    """7B: ~33 layers estimated (Llama 2 7B has 32), 134.8 kB a token; 70B: ~71 (Llama 3 has 80)."""
    assert round(kv_cache_gb(Decimal(7), 32768), 4) == Decimal("4.4155")
    assert round(kv_cache_gb(Decimal(70), 8192, 4), 4) == Decimal("9.5128")


def test_a_model_that_exactly_fills_the_usable_vram_fits() -> None:
    """9.5B at BF16 + 5 % is 19.95 GB: exactly 95 % of a 21 GB GPU."""
    exact = GpuType(id="X 21GB", display_name="X21", memory_gb=21, secure_price=Decimal("0.50"), max_gpu_count=1)
    sizing = size_model(Decimal("9.5"), catalog=(exact,))
    assert sizing.required_gb == Decimal("19.95")
    assert [(o.gpu_id, o.headroom_gb) for o in sizing.options] == [("X 21GB", 0)]


def test_the_edges_of_what_can_be_sized() -> None:
    assert parse_params("100T") == Decimal(100_000)
    with pytest.raises(InputError, match="at most 100T parameters"):
        parse_params("100.1T")
    assert size_model(Decimal(7), catalog=CATALOG, context=1, batch=1).context == 1
    with pytest.raises(InputError, match="--batch must be 1 to 4,096 sequences"):
        size_model(Decimal(7), catalog=CATALOG, batch=0)
    with pytest.raises(InputError, match="--batch must be 1 to 4,096 sequences"):
        size_model(Decimal(7), catalog=CATALOG, batch=4097)
    assert size_model(Decimal(7), catalog=CATALOG, batch=4096).comfortable_batch == 4096


def test_the_largest_pod_named_is_the_most_vram_in_one_pod_not_the_biggest_gpu() -> None:
    # An MI300X offered one to a Pod holds 192 GB; 8 × B200 hold 1,440 GB.
    single = tuple(replace(g, max_gpu_count=1) if g.id == "AMD Instinct MI300X OAM" else g for g in CATALOG)
    sizing = size_model(parse_params("1.5T"), catalog=single)
    assert "the largest is 8 × B200 with 1,368 GB usable" in sizing.headline


def test_a_model_of_no_parameters_is_refused() -> None:
    with pytest.raises(InputError, match="above 0"):
        size_model(Decimal(0), catalog=CATALOG)


def test_a_model_under_a_million_parameters_shows_its_size_in_billions() -> None:
    sizing = size_model(parse_params("500K"), catalog=CATALOG, label="500K")
    assert sizing.headline.startswith("500K at BF16 needs ~0.001 GB")
    assert "0.0005B" in sizing.note


def test_a_size_with_its_unit_gets_no_assumption_note() -> None:
    sizing = size_model(parse_params("7B"), catalog=CATALOG, label="7B")
    assert "is read as" not in sizing.note


def test_exactly_100t_parameters_is_sized_and_more_is_refused() -> None:
    assert not size_model(Decimal(100_000), catalog=CATALOG).fits  # sized: nothing holds it
    with pytest.raises(InputError, match="at most 100T"):
        size_model(Decimal("100000.001"), catalog=CATALOG)


def test_the_parameter_count_in_the_note_keeps_three_decimals_and_two_digits_below_a_million() -> None:
    assert "1.235B × 2 bytes" in size_model(Decimal("1.2345"), catalog=CATALOG).note
    assert "0.00012B × 2 bytes" in size_model(Decimal("0.000123456"), catalog=CATALOG).note


def test_the_note_names_at_most_three_counts_skipped_for_tensor_parallelism() -> None:
    sizing = size_model(Decimal(100), catalog=CATALOG)  # 210 GB: 3 × 80 GB holds it, 4 is proposed
    assert len(sizing.skipped) > 3
    named = sizing.note.split("Also holds it, but not proposed: ")[1].split(" — ")[0]
    assert named.count(" × ") == 3
