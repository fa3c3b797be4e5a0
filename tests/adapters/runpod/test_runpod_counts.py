"""The GPU counts RunPod offers for one Pod (`lowestPrice.availableGpuCounts`) reach the domain,
so `size` proposes only counts a Pod can really have."""

from __future__ import annotations

from podwarden import bootstrap
from podwarden.adapters.runpod.models import GpuTypeModel


def _gpu(secure: list[int | None] | None, community: list[int | None] | None, *, community_cloud: bool = True
         ) -> GpuTypeModel:
    return GpuTypeModel.model_validate({
        "id": "NVIDIA A40", "memoryInGb": 48, "maxGpuCount": 10, "secureCloud": True,
        "communityCloud": community_cloud,
        "secureLowest": {"stockStatus": "High", "availableGpuCounts": secure},
        "communityLowest": {"stockStatus": "Low", "availableGpuCounts": community},
    })


def test_the_counts_of_both_offered_clouds_are_merged() -> None:
    assert _gpu([1, 2, 4], [1, 3, None]).to_domain().available_counts == (1, 2, 3, 4)


def test_a_cloud_not_offered_adds_no_counts_and_none_means_unknown() -> None:
    assert _gpu([1, 2], [1, 3, 6], community_cloud=False).to_domain().available_counts == (1, 2)
    assert _gpu(None, None).to_domain().available_counts == ()
    assert _gpu(None, None).to_domain().counts() == tuple(range(1, 11))  # unknown: every count up to the max


def test_the_simulators_counts_come_through_the_client(podwarden_env: object) -> None:
    with bootstrap.build(bootstrap.settings(), sim=True) as services:
        a4000 = next(g for g in services.runpod.gpu_types() if g.id == "NVIDIA RTX A4000")
    assert a4000.available_counts == (1, 2, 4, 8)
