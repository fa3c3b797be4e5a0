"""REST v2's GPU catalog and network volumes as domain values (see `rest_models` for the
translation table of every v2 model)."""

from __future__ import annotations

from podwarden.adapters.runpod.rest_models import RestModel
from podwarden.adapters.runpod.values import offered, whole
from podwarden.domain.models import GpuType, NetworkVolume, Stock

_STOCK = {"HIGH": Stock.HIGH, "MEDIUM": Stock.MEDIUM, "LOW": Stock.LOW, "NONE": Stock.NONE}


# --- GPU catalog ---------------------------------------------------------------------------


class RestGpuPriceModel(RestModel):
    secure: float | None = None
    community: float | None = None


class RestGpuCountModel(RestModel):
    secure: int | None = None
    community: int | None = None


class RestGpuTypeModel(RestModel):
    id: str
    name: str | None = None
    manufacturer: str | None = None
    memory: float | None = None
    secure: bool | None = None
    community: bool | None = None
    price: RestGpuPriceModel | None = None
    max_count: RestGpuCountModel | None = None
    availability: str | None = None

    def to_domain(self, *, gpu_count: int = 1, community: RestGpuTypeModel | None = None) -> GpuType:
        """The type as read for Secure Cloud (this model's ``availability``) and, in
        `community`, the same type read for Community Cloud (its ``availability``; without
        it, Community stock is NONE: never assumed)."""
        price = self.price or RestGpuPriceModel()
        most = self.max_count or RestGpuCountModel()
        in_secure = self.secure is not False
        in_community = self.community is not False
        secure_stock = _STOCK.get((self.availability or "").upper(), Stock.NONE)
        community_stock = _STOCK.get(((community.availability if community else None) or "").upper(), Stock.NONE)
        secure_max = most.secure if in_secure and most.secure is not None else 0
        community_max = most.community if in_community and most.community is not None else 0
        return GpuType(
            id=self.id,
            display_name=self.name or self.id,
            memory_gb=whole(self.memory) or 0,
            secure_price=offered(price.secure, in_secure),
            community_price=offered(price.community, in_community),
            max_gpu_count=max(secure_max, community_max),
            secure_stock=secure_stock if in_secure and gpu_count <= secure_max else Stock.NONE,
            community_stock=community_stock if in_community and gpu_count <= community_max else Stock.NONE,
            manufacturer=_manufacturer(self.manufacturer),
        )


def _manufacturer(value: str | None) -> str:
    """v2 writes ``NVIDIA``; GraphQL (and the domain's default) ``Nvidia``."""
    if not value or value.upper() == "NVIDIA":
        return "Nvidia"
    return value


class RestGpuListModel(RestModel):
    gpus: list[RestGpuTypeModel]


# --- network volumes -----------------------------------------------------------------------


class RestNetworkVolumeModel(RestModel):
    id: str
    name: str | None = None
    size: int | None = None
    data_center: str | None = None

    def to_domain(self) -> NetworkVolume:
        return NetworkVolume(
            id=self.id,
            name=self.name or "",
            size_gb=self.size or 0,
            data_center_id=self.data_center or None,
        )


class RestNetworkVolumeListModel(RestModel):
    network_volumes: list[RestNetworkVolumeModel]
