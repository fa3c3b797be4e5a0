from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from podwarden.domain.catalog import gpu_names, offered_gpus, parse_cloud, resolve_gpu
from podwarden.domain.errors import InputError
from podwarden.domain.models import Cloud, GpuType
from tests.unit.gpu_catalog import CATALOG


@pytest.mark.parametrize(
    ("name", "gpu_id"),
    [
        ("a100", "NVIDIA A100 80GB PCIe"),
        ("A100", "NVIDIA A100 80GB PCIe"),
        ("a100 pcie", "NVIDIA A100 80GB PCIe"),
        ("a100 sxm", "NVIDIA A100-SXM4-80GB"),
        ("a100sxm", "NVIDIA A100-SXM4-80GB"),
        ("h100", "NVIDIA H100 80GB HBM3"),
        ("h100 sxm", "NVIDIA H100 80GB HBM3"),
        ("H100 SXM", "NVIDIA H100 80GB HBM3"),
        ("h100 pcie", "NVIDIA H100 PCIe"),
        ("h100 nvl", "NVIDIA H100 NVL"),
        ("h200", "NVIDIA H200"),
        ("b200", "NVIDIA B200"),
        ("mi300x", "AMD Instinct MI300X OAM"),
        ("4090", "NVIDIA GeForce RTX 4090"),
        ("rtx 4090", "NVIDIA GeForce RTX 4090"),
        ("rtx4090", "NVIDIA GeForce RTX 4090"),
        ("geforce 4090", "NVIDIA GeForce RTX 4090"),
        ("3090", "NVIDIA GeForce RTX 3090"),
        ("5090", "NVIDIA GeForce RTX 5090"),
        ("a4000", "NVIDIA RTX A4000"),
        ("a4500", "NVIDIA RTX A4500"),
        ("a5000", "NVIDIA RTX A5000"),
        ("a6000", "NVIDIA RTX A6000"),
        ("a40", "NVIDIA A40"),
        ("l4", "NVIDIA L4"),
        ("l40s", "NVIDIA L40S"),
        ("6000 ada", "NVIDIA RTX 6000 Ada Generation"),
        ("rtx 6000 ada", "NVIDIA RTX 6000 Ada Generation"),
        ("4000 ada", "NVIDIA RTX 4000 Ada Generation"),
        ("NVIDIA A100 80GB PCIe", "NVIDIA A100 80GB PCIe"),
        ("nvidia a100 80gb pcie", "NVIDIA A100 80GB PCIe"),
        ("  NVIDIA   A100-SXM4-80GB ", "NVIDIA A100-SXM4-80GB"),
        ("A100 PCIe", "NVIDIA A100 80GB PCIe"),
        ("h100 80gb", "NVIDIA H100 80GB HBM3"),
    ],
)
def test_names_people_type(name: str, gpu_id: str) -> None:
    assert resolve_gpu(name, CATALOG).gpu.id == gpu_id


def test_l4_is_not_l40s_and_a40_is_not_a4000() -> None:
    assert resolve_gpu("l4", CATALOG).others == ()
    assert resolve_gpu("a40", CATALOG).others == ()
    assert resolve_gpu("l40s", CATALOG).gpu.id == "NVIDIA L40S"


def test_a_short_name_that_fits_several_takes_the_common_one_and_names_the_others() -> None:
    match = resolve_gpu("a100", CATALOG)
    assert [g.id for g in match.others] == ["NVIDIA A100-SXM4-80GB"]
    assert match.note == "'a100' is taken as A100 PCIe (NVIDIA A100 80GB PCIe); it also fits A100 SXM"

    h100 = resolve_gpu("h100", CATALOG)
    assert {g.id for g in h100.others} == {"NVIDIA H100 PCIe", "NVIDIA H100 NVL"}
    assert "it also fits H100 PCIe, H100 NVL" in h100.note


def test_an_exact_name_has_no_note() -> None:
    match = resolve_gpu("NVIDIA A100 80GB PCIe", CATALOG)
    assert (match.others, match.note) == ((), "")


def test_works_with_any_catalog() -> None:
    """Without the common A100 the short name falls to the one that is offered."""
    only_sxm = tuple(g for g in CATALOG if g.id != "NVIDIA A100 80GB PCIe")
    assert resolve_gpu("a100", only_sxm).gpu.id == "NVIDIA A100-SXM4-80GB"
    renamed = (dataclasses.replace(CATALOG[0], id="NVIDIA RTX A4000 Mk2", display_name="RTX A4000 Mk2"),)
    assert resolve_gpu("a4000", renamed).gpu.display_name == "RTX A4000 Mk2"


def test_a_typo_gets_did_you_mean() -> None:
    with pytest.raises(InputError) as caught:
        resolve_gpu("h100 sxn", CATALOG)
    assert str(caught.value).startswith("unknown GPU 'h100 sxn': did you mean h100 sxm")
    assert str(caught.value).endswith("?")


def test_did_you_mean_offers_at_most_three_names() -> None:
    with pytest.raises(InputError) as caught:
        resolve_gpu("a1000", CATALOG)
    message = str(caught.value)
    assert message.startswith("unknown GPU 'a1000': did you mean ")
    suggestions = message.removeprefix("unknown GPU 'a1000': did you mean ").removesuffix("?")
    assert len(suggestions.replace(" or ", ", ").split(", ")) <= 3
    assert "a100" in suggestions


def test_nothing_like_it_lists_known_names() -> None:
    with pytest.raises(InputError) as caught:
        resolve_gpu("banana", CATALOG)
    assert str(caught.value) == (
        "unknown GPU 'banana'; known here: a4000, 4090, l40s, a100, h100 (`gpus` lists them all)"
    )
    assert "\n" not in str(caught.value)


def test_a_known_type_missing_from_this_catalog_is_not_offered_now() -> None:
    with pytest.raises(InputError, match=r"^NVIDIA L40 is not offered now; `gpus` lists what is$"):
        resolve_gpu("l40", CATALOG)
    without_h200 = tuple(g for g in CATALOG if g.id != "NVIDIA H200")
    with pytest.raises(InputError, match=r"^NVIDIA H200 is not offered now"):
        resolve_gpu("h200", without_h200)


def test_a_name_that_fits_several_without_an_alias_asks_which() -> None:
    with pytest.raises(InputError) as caught:
        resolve_gpu("80gb", CATALOG)
    assert str(caught.value) == "'80gb' fits several GPUs: A100 PCIe, A100 SXM, H100 SXM; say which one"


def test_a_missing_name() -> None:
    with pytest.raises(InputError, match=r"^missing GPU \(e.g. a100, 4090, h100 sxm\)$"):
        resolve_gpu("  ", CATALOG)


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(CATALOG), st.booleans(), st.booleans())
def test_every_id_and_display_name_resolves_to_its_type(gpu: GpuType, by_id: bool, upper: bool) -> None:
    name = gpu.id if by_id else gpu.display_name
    assert resolve_gpu(name.upper() if upper else name.lower(), CATALOG).gpu == gpu


def test_every_listed_name_resolves() -> None:
    for name in gpu_names(CATALOG):
        assert resolve_gpu(name, CATALOG).gpu in CATALOG


def test_parse_cloud() -> None:
    assert parse_cloud("community") is Cloud.COMMUNITY
    assert parse_cloud(" Secure ") is Cloud.SECURE
    assert parse_cloud(None) is Cloud.SECURE
    with pytest.raises(InputError, match=r"^--cloud takes secure, community or all, got 'cheap'$"):
        parse_cloud("cheap")


def test_offered_gpus_filters_by_cloud_and_vram() -> None:
    community = offered_gpus(CATALOG, cloud=Cloud.COMMUNITY, min_vram_gb=80)
    assert "NVIDIA B200" not in {g.id for g in community}
    assert all(g.memory_gb >= 80 for g in community)
    assert [g.memory_gb for g in community] == sorted(g.memory_gb for g in community)
    with pytest.raises(InputError, match=r"^--min-vram cannot be negative, got -1$"):
        offered_gpus(CATALOG, min_vram_gb=-1)


def test_a_catalog_without_the_usual_names_shows_its_own() -> None:
    odd = (GpuType(id="NVIDIA Tesla V100", display_name="V100", memory_gb=16),)
    with pytest.raises(InputError, match=r"^unknown GPU 'banana'; known here: V100 \(`gpus` lists them all\)$"):
        resolve_gpu("banana", odd)


# -- what the mutation pass found untested ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("rtx", "'rtx' fits several GPUs: RTX 4000 Ada, RTX A4000, RTX 3090, RTX A4500, RTX A5000 and 4 more; "
                "say which one"),
        ("a600", "unknown GPU 'a600': did you mean a6000, a100 or a5000?"),
        ("h10", "unknown GPU 'h10': did you mean h100?"),
        ("x" * 40, "unknown GPU '" + "x" * 40 + "'; known here:"),
        ("x" * 41, "unknown GPU '" + "x" * 39 + "'…; known here:"),
        ("🚀", "unknown GPU '🚀'; known here: a4000, 4090, l40s, a100, h100"),
        ("ａ１００", "A100 PCIe"),
    ],
)
def test_what_a_name_that_is_not_one_gpu_answers(name: str, message: str) -> None:
    try:
        answer = resolve_gpu(name, CATALOG).gpu.display_name
    except InputError as exc:
        answer = exc.message
    assert answer.startswith(message)


def test_min_vram_keeps_gpus_of_exactly_that_size_and_has_edges() -> None:
    assert {g.memory_gb for g in offered_gpus(CATALOG, min_vram_gb=80)} >= {80}
    assert min(g.memory_gb for g in offered_gpus(CATALOG, min_vram_gb=80)) == 80
    assert len(offered_gpus(CATALOG, min_vram_gb=0)) == len(offered_gpus(CATALOG))
    assert offered_gpus(CATALOG, min_vram_gb=10_000) == ()
    with pytest.raises(InputError, match="--min-vram of more than 10,000 GB: no GPU has that much"):
        offered_gpus(CATALOG, min_vram_gb=10_001)
    with pytest.raises(InputError, match="--min-vram cannot be negative"):
        offered_gpus(CATALOG, min_vram_gb=-1)
