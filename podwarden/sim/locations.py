"""Where RunPod's GPUs are: data centres, their countries, stock per data centre, cluster node groups.

Secure Cloud data centres are named (``EU-RO-1``); Community Cloud is addressed by country
code (gpuhunt queries Secure Cloud by ``dataCenterId`` and Community Cloud by
``countryCode``). The simulator keeps one stock per cloud, so every data centre of a cloud
reports that cloud's stock. Instant Clusters are offered for a few GPU types in the data
centres of their node groups, at ``clusterPrice`` per GPU per hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from podwarden.sim.catalog import stock_status

if TYPE_CHECKING:
    from podwarden.sim.world import World

__all__ = ["CLUSTER_OFFERS", "DATA_CENTRES", "ClusterOffer", "DataCentre", "country_codes", "data_centre",
           "data_centre_view", "data_centres_view"]


@dataclass(frozen=True)
class DataCentre:
    id: str
    name: str
    location: str
    country_code: str
    cloud: str  # SECURE or COMMUNITY
    listed: bool = True


DATA_CENTRES: tuple[DataCentre, ...] = (
    DataCentre("US-KS-2", "US-KS-2", "United States", "US", "SECURE"),
    DataCentre("EU-RO-1", "EU-RO-1", "Romania", "RO", "SECURE"),
    DataCentre("CA-MTL-1", "CA-MTL-1", "Canada", "CA", "SECURE"),
    DataCentre("US-TX-3", "US-TX-3", "United States", "US", "SECURE"),
    DataCentre("EU-SE-1", "EU-SE-1", "Sweden", "SE", "SECURE"),
    DataCentre("EU-CZ-1", "EU-CZ-1", "Czech Republic", "CZ", "COMMUNITY"),
    DataCentre("US-IL-1", "US-IL-1", "United States", "US", "COMMUNITY"),
    DataCentre("EUR-IS-1", "EUR-IS-1", "Iceland", "IS", "COMMUNITY"),
    DataCentre("US-GA-1", "US-GA-1", "United States", "US", "COMMUNITY"),
    DataCentre("US-OR-1", "US-OR-1", "United States", "US", "SECURE", listed=False),
)

_BY_ID = {dc.id: dc for dc in DATA_CENTRES}


@dataclass(frozen=True)
class ClusterOffer:
    price_per_gpu: Decimal
    data_centres: tuple[str, ...]


CLUSTER_OFFERS: dict[str, ClusterOffer] = {
    "NVIDIA H100 80GB HBM3": ClusterOffer(Decimal("2.69"), ("US-KS-2", "EU-RO-1")),
    "NVIDIA H200": ClusterOffer(Decimal("3.59"), ("US-KS-2",)),
    "NVIDIA B200": ClusterOffer(Decimal("5.49"), ("US-KS-2",)),
    "NVIDIA A100-SXM4-80GB": ClusterOffer(Decimal("1.74"), ("EU-RO-1",)),
}


def data_centre(dc_id: str) -> DataCentre | None:
    return _BY_ID.get(dc_id)


def country_codes() -> list[str]:
    """The Community Cloud countries, as ``countryCodes`` lists them."""
    return sorted({dc.country_code for dc in DATA_CENTRES if dc.cloud == "COMMUNITY"})


def data_centre_view(world: World | None, dc: DataCentre) -> dict[str, Any]:
    def availability(_info: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for gpu in world.gpu_types.values() if world is not None else ():
            if not gpu.offered(dc.cloud):
                continue
            free = gpu.free.get(dc.cloud, 0)
            out.append({"gpuTypeId": gpu.id, "displayName": gpu.display_name, "available": free > 0,
                        "stockStatus": stock_status(free) if free > 0 else None})
        return out

    return {"id": dc.id, "name": dc.name, "location": dc.location, "countryCode": dc.country_code,
            "listed": dc.listed, "storageSupport": dc.cloud == "SECURE", "gpuAvailability": availability}


def data_centres_view(world: World) -> list[dict[str, Any]]:
    return [data_centre_view(world, dc) for dc in DATA_CENTRES]
