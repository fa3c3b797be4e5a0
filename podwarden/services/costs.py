"""Cost questions: the GPU catalog, quotes (Pod vs Serverless vs spot) and model sizing.

Gathers the live catalog through the `GpuCatalog` port and the dated `PriceBook`, then
asks the pure core. The catalog is read once per question: prices move, and a quote
built on a stale catalog would be wrong in the one place users check.
"""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.catalog import GpuList, offered_gpus, parse_cloud, resolve_gpu
from podwarden.domain.models import Cloud
from podwarden.domain.pricing import PriceBook
from podwarden.domain.quote_results import QuoteAnswer
from podwarden.domain.quotes import QuoteRequest, check_gpu_count, quote
from podwarden.domain.sizing import Sizing, parse_dtype, parse_params, size_model
from podwarden.ports import GpuCatalog

__all__ = ["CostService", "GpuList", "QuoteAnswer"]  # the answers live in the domain, for renderers


class CostService:
    def __init__(self, *, catalog: GpuCatalog, book: PriceBook, price_source: str) -> None:
        self._catalog = catalog
        self.book = book
        self.price_source = price_source

    def gpus(self, *, cloud: str | None = None, min_vram_gb: int | None = None) -> GpuList:
        chosen = parse_cloud(cloud, default=Cloud.ALL)
        rows = offered_gpus(self._catalog.gpu_types(), cloud=chosen, min_vram_gb=min_vram_gb or 0)
        return GpuList(cloud=chosen, min_vram_gb=min_vram_gb or 0, gpus=rows, price_source=self.price_source)

    def quote(
        self,
        *,
        gpu: str,
        count: int = 1,
        hours: Decimal | None = None,
        hours_per_day: Decimal | None = None,
        requests_per_hour: Decimal | None = None,
        seconds_per_request: Decimal | None = None,
        spot: bool = False,
        cloud: str | None = None,
        container_disk_gb: int | None = None,
        volume_gb: int | None = None,
    ) -> QuoteAnswer:
        match = resolve_gpu(gpu, self._catalog.gpu_types(gpu_count=check_gpu_count(count)))
        request = QuoteRequest(
            gpu=match.gpu,
            gpu_count=count,
            hours=hours,
            hours_per_day=hours_per_day,
            requests_per_hour=requests_per_hour,
            seconds_per_request=seconds_per_request,
            spot=spot,
            cloud=parse_cloud(cloud),
            container_disk_gb=container_disk_gb,
            volume_gb=volume_gb,
        )
        return QuoteAnswer(quote=quote(request, self.book, price_source=self.price_source), note=match.note)

    def size(self, *, params: str, dtype: str = "bf16", context: int | None = None,
             cloud: str | None = None, batch: int | None = None) -> Sizing:
        return size_model(
            parse_params(params), parse_dtype(dtype), context=context, catalog=self._catalog.gpu_types(),
            cloud=parse_cloud(cloud), price_source=self.price_source, label=params, batch=batch,
        )
