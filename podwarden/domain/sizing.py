"""How much VRAM a model needs, and the cheapest GPUs (and counts) that hold it.

The estimate, stated in every answer's `note`:

- **weights** = parameters × bytes per parameter: BF16/FP16 2 bytes (the guides' "~2 GB
  per billion"), FP8/INT8 1 byte, INT4 0.5 byte (a quarter of BF16), FP32 4 bytes;
- **+5 % of the weights** for activations and runtime buffers at short prompts;
- **KV cache** at 16-bit: `2 (K and V) × layers × 1,024 (8 KV heads × 128, grouped-query
  attention as in Llama 3, Mistral, Qwen) × 2 bytes × context tokens × sequences`, where
  the layer count is estimated from the parameter count of a dense transformer
  (parameters ≈ 12·layers·d², d ≈ 128·layers);
- a GPU's **usable VRAM is 95 %** of it (the rest goes to the CUDA context and allocator
  fragmentation), summed over the GPUs of one Pod.

Two answers, as the guides give them: **fits** holds the weights (+ the KV cache of one
sequence when `--context` is given); **comfortable** also holds the KV cache of `batch`
sequences of `context` tokens (defaults: 4 × 8,192), room to serve. 70B at 4-bit is ~35 GB:
a 48 GB GPU fits it, an 80 GB one is comfortable.

GPU counts: every count RunPod offers for the type (`GpuType.counts()`), but a Pod is only
proposed at a power of two, which tensor parallelism splits a model's attention heads over
evenly; a smaller count that would hold the model (3 × MI300X) is named in the note.

So 7B at BF16 needs ~14 GB of weights, 14.7 GB in all, and fits a 16 GB RTX A4000 with
0.5 GB to spare (15.2 GB usable) — tight: long contexts or batching need a bigger GPU.
GB are the 10⁹ bytes GPU catalogs and the guides use.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from podwarden.domain.errors import InputError, quoted
from podwarden.domain.errors import shown as cut
from podwarden.domain.models import Cloud, GpuType
from podwarden.domain.money import format_number, format_usd
from podwarden.domain.plain import plain_dict
from podwarden.domain.quote_results import Rate

__all__ = [
    "DEFAULT_BATCH",
    "DEFAULT_CONTEXT",
    "DTYPE_BYTES",
    "OVERHEAD_FRACTION",
    "USABLE_FRACTION",
    "Sizing",
    "SizingOption",
    "kv_cache_gb",
    "parse_dtype",
    "parse_params",
    "size_model",
]

DTYPE_BYTES: dict[str, Decimal] = {
    "fp32": Decimal(4), "bf16": Decimal(2), "fp16": Decimal(2),
    "fp8": Decimal(1), "int8": Decimal(1), "int4": Decimal("0.5"),
}
_DTYPE_ALIASES = {
    "float32": "fp32", "bfloat16": "bf16", "float16": "fp16", "half": "fp16",
    "8bit": "int8", "q8": "int8", "4bit": "int4", "q4": "int4", "nf4": "int4",
}
OVERHEAD_FRACTION = Decimal("0.05")
USABLE_FRACTION = Decimal("0.95")
DEFAULT_CONTEXT = 8192  # tokens of one sequence in the comfortable answer
DEFAULT_BATCH = 4  # sequences served at once in the comfortable answer
KV_WIDTH = 1024  # 8 KV heads × 128 dims
KV_BYTES = 2  # a 16-bit KV cache
MAX_PARAMS_B = Decimal(100_000)  # 100T
MAX_CONTEXT = 10_000_000

_SCALE = {
    "": Decimal(1), "k": Decimal("0.000001"), "m": Decimal("0.001"), "b": Decimal(1), "t": Decimal(1000),
}
_PARAMS = re.compile(r"(?:(\d+)[x×])?(\d+(?:\.\d+)?|\.\d+)([kmbt]?)(?:params|parameters)?")


@dataclass(frozen=True, slots=True)
class SizingOption:
    """`count` × one GPU type holding the model: VRAM, usable VRAM, what is left, $/h."""

    gpu_id: str
    gpu_name: str
    count: int
    memory_gb: int  # per GPU
    vram_gb: Decimal  # count × memory_gb
    usable_gb: Decimal  # vram_gb × USABLE_FRACTION
    headroom_gb: Decimal  # usable_gb − required_gb
    gpu_rate: Rate  # per GPU per hour
    per_hour: Decimal  # all GPUs

    def as_dict(self) -> dict[str, object]:
        return plain_dict(self)


@dataclass(frozen=True, slots=True)
class Sizing:
    """The `size` answer. `options` are cheapest first (one per GPU type, its smallest count
    that fits); empty when nothing fits one Pod, which `headline` then says."""

    params_b: Decimal
    label: str  # the size as asked, e.g. "70B"
    dtype: str
    bytes_per_param: Decimal
    weights_gb: Decimal
    overhead_fraction: Decimal
    overhead_gb: Decimal
    context: int | None
    kv_cache_gb: Decimal
    required_gb: Decimal
    usable_fraction: Decimal
    cloud: Cloud
    spot: bool
    options: tuple[SizingOption, ...]
    headline: str
    note: str
    comfortable_context: int = DEFAULT_CONTEXT
    comfortable_batch: int = DEFAULT_BATCH
    comfortable_kv_cache_gb: Decimal = Decimal(0)
    comfortable_required_gb: Decimal = Decimal(0)
    comfortable: SizingOption | None = None  # the cheapest Pod with room for that KV cache
    skipped: tuple[SizingOption, ...] = ()  # smaller counts that hold it but do not split evenly

    @property
    def fits(self) -> bool:
        return bool(self.options)

    def as_dict(self) -> dict[str, object]:
        return {**plain_dict(self), "fits": self.fits}


def parse_params(text: str) -> Decimal:
    """A model size in billions of parameters: `7B`, `70b`, `1.5T`, `500M`, `7` (billions),
    `8x7B` (a mixture of experts: 56B in all, since every expert sits in VRAM)."""
    raw = text.strip().lower().replace(" ", "").replace(",", "")
    match = _PARAMS.fullmatch(raw) if raw else None
    if match is None:
        raise InputError(f"not a model size: {quoted(text)} (use e.g. 7B, 70B, 1.5T or 500M)")
    experts = int(match[1]) if match[1] else 1
    billions = experts * Decimal(match[2]) * _SCALE[match[3]]
    if billions <= 0:
        raise InputError(f"a model has more than 0 parameters, got {quoted(text)}")
    if billions > MAX_PARAMS_B:
        raise InputError(f"at most 100T parameters, got {quoted(text)}")
    return billions


def parse_dtype(text: str) -> str:
    """`bf16`, `fp16`, `fp8`, `int8`, `int4` (or `fp32`, `4bit`, `bfloat16`, ...) -> the
    canonical name, a key of `DTYPE_BYTES`."""
    key = text.strip().lower().replace("-", "").replace("_", "")
    key = _DTYPE_ALIASES.get(key, key)
    if key not in DTYPE_BYTES:
        raise InputError(f"unknown --dtype {quoted(text)}: use bf16, fp16, fp8, int8 or int4")
    return key


def kv_cache_gb(params_b: Decimal, context: int, batch: int = 1) -> Decimal:
    """The KV cache of `batch` sequences of `context` tokens, in GB (see the module docstring)."""
    params = params_b * 10**9
    width = (128 * params / 12) ** (Decimal(1) / 3)
    layers = width / 128
    return 2 * layers * KV_WIDTH * KV_BYTES * context * batch / 10**9


def size_model(
    params_b: Decimal,
    dtype: str = "bf16",
    *,
    catalog: Sequence[GpuType],
    context: int | None = None,
    cloud: Cloud = Cloud.SECURE,
    spot: bool = False,
    price_source: str = "catalog",
    label: str | None = None,
    batch: int | None = None,
) -> Sizing:
    """The VRAM `params_b` billion parameters need at `dtype` (and `context`), and every GPU
    type of `catalog` priced in `cloud` that holds it in one Pod, cheapest first; plus the
    cheapest Pod with room for `batch` sequences of `context` tokens (the comfortable one)."""
    if params_b <= 0 or params_b > MAX_PARAMS_B:
        raise InputError(f"a model size must be above 0 and at most 100T parameters, got {params_b}B")
    kind = parse_dtype(dtype)
    if context is not None and not 1 <= context <= MAX_CONTEXT:
        raise InputError(f"--context must be 1 to {MAX_CONTEXT:,} tokens, got {cut(context)}")
    if batch is not None and not 1 <= batch <= MAX_BATCH:
        raise InputError(f"--batch must be 1 to {MAX_BATCH:,} sequences, got {cut(batch)}")
    weights = params_b * DTYPE_BYTES[kind]
    overhead = weights * OVERHEAD_FRACTION
    kv = kv_cache_gb(params_b, context) if context else Decimal(0)
    required = weights + overhead + kv
    options = _options(catalog, required, cloud=cloud, spot=spot, price_source=price_source)
    skipped = _options(catalog, required, cloud=cloud, spot=spot, price_source=price_source, any_count=True)
    skipped = tuple(o for o in skipped if not _tp_friendly(o.count)
                    and any(f.gpu_id == o.gpu_id and f.count > o.count for f in options))
    room_context, room_batch = context or DEFAULT_CONTEXT, batch or DEFAULT_BATCH
    room_kv = kv_cache_gb(params_b, room_context, room_batch)
    room = weights + overhead + room_kv
    roomy = _options(catalog, room, cloud=cloud, spot=spot, price_source=price_source)
    bare = bool(label) and re.fullmatch(r"[\d.,\s]+", label or "") is not None
    shown = f"{label.strip()}B" if label and bare else label.strip() if label else _billions(params_b)
    return Sizing(
        params_b=params_b, label=shown, dtype=kind, bytes_per_param=DTYPE_BYTES[kind], weights_gb=weights,
        overhead_fraction=OVERHEAD_FRACTION, overhead_gb=overhead, context=context, kv_cache_gb=kv,
        required_gb=required, usable_fraction=USABLE_FRACTION, cloud=cloud, spot=spot, options=options,
        headline=_headline(shown, kind, weights, required, options, catalog, cloud=cloud, spot=spot),
        note=_assumed(label, shown, bare) + _note(params_b, kind, weights, overhead, kv, context, shown)
        + _comfort_note(room_context, room_batch, room_kv, room) + _skipped_note(skipped),
        comfortable_context=room_context, comfortable_batch=room_batch, comfortable_kv_cache_gb=room_kv,
        comfortable_required_gb=room, comfortable=roomy[0] if roomy else None, skipped=skipped,
    )


def _options(
    catalog: Sequence[GpuType], required: Decimal, *, cloud: Cloud, spot: bool, price_source: str,
    any_count: bool = False,
) -> tuple[SizingOption, ...]:
    options = []
    for gpu in catalog:
        price = gpu.price(cloud, spot=spot)
        if price is None:
            continue
        count = _smallest_count(gpu, required, any_count=any_count)
        if count is None:
            continue
        vram = Decimal(gpu.memory_gb * count)
        usable = vram * USABLE_FRACTION
        options.append(SizingOption(
            gpu_id=gpu.id, gpu_name=gpu.display_name, count=count, memory_gb=gpu.memory_gb, vram_gb=vram,
            usable_gb=usable, headroom_gb=usable - required, gpu_rate=Rate(price, "h", price_source),
            per_hour=price * count,
        ))
    options.sort(key=lambda o: (o.per_hour, o.count, -o.headroom_gb, o.gpu_id))
    return tuple(options)


def _smallest_count(gpu: GpuType, required: Decimal, *, any_count: bool = False) -> int | None:
    """The smallest count RunPod offers for `gpu` that holds `required` GB; only counts tensor
    parallelism splits evenly unless `any_count`."""
    for count in gpu.counts():
        if not any_count and not _tp_friendly(count):
            continue
        if gpu.memory_gb * count * USABLE_FRACTION >= required:
            return count
    return None


def _tp_friendly(count: int) -> bool:
    """A power of two: attention heads (32, 64, 128 in today's models) split evenly over it."""
    return count & (count - 1) == 0


def _largest_pod(catalog: Sequence[GpuType], cloud: Cloud, *, spot: bool) -> tuple[GpuType, int] | None:
    pods = []
    for gpu in catalog:
        if gpu.price(cloud, spot=spot) is None:
            continue
        counts = [c for c in gpu.counts() if _tp_friendly(c)]
        if counts:
            pods.append((gpu, max(counts)))
    return max(pods, key=lambda p: (p[0].memory_gb * p[1], p[0].id), default=None)


def _headline(
    label: str, dtype: str, weights: Decimal, required: Decimal, options: tuple[SizingOption, ...],
    catalog: Sequence[GpuType], *, cloud: Cloud, spot: bool,
) -> str:
    needs = (f"{label} at {dtype.upper()} needs ~{gb(weights)} GB of weights, "
             f"{gb(required)} GB in all")
    if options:
        best = options[0]
        return (f"{needs}; cheapest fit: {best.count} × {best.gpu_name} at {format_usd(best.per_hour)}/h "
                f"({gb(best.headroom_gb)} GB to spare).")
    where = f" in {cloud.value.lower()} cloud" if cloud is not Cloud.ALL else ""
    largest = _largest_pod(catalog, cloud, spot=spot)
    if largest is None:
        offered = "has a spot price" if spot else "is offered"
        return f"{needs}, but no GPU {offered}{where} now."
    gpu, count = largest
    usable = gpu.memory_gb * count * USABLE_FRACTION
    smaller = [d for d in ("fp8", "int4") if DTYPE_BYTES[d] < DTYPE_BYTES[dtype]]
    advice = (f"Try a smaller --dtype ({' or '.join(smaller)}) or split the model across Pods." if smaller
              else f"{dtype.upper()} is the smallest --dtype sized here: split the model across Pods.")
    return (f"{needs}: nothing fits in one Pod{where} — the largest is {count} × {gpu.display_name} "
            f"with {gb(usable)} GB usable. {advice}")


def _note(
    params_b: Decimal, dtype: str, weights: Decimal, overhead: Decimal, kv: Decimal, context: int | None,
    label: str,
) -> str:
    parts = [
        f"Weights: {_billions(params_b)} × {format_number(DTYPE_BYTES[dtype])} bytes "
        f"({dtype.upper()}) = {gb(weights)} GB.",
        f"+{format_number(OVERHEAD_FRACTION * 100)}% ({gb(overhead)} GB) for activations and "
        "runtime buffers.",
    ]
    if context:
        parts.append(
            f"KV cache for one {context:,}-token sequence: ~{gb(kv)} GB "
            "(2 × layers × 1,024 × 2 bytes a token; layers estimated from the size, grouped-query attention)."
        )
    else:
        parts.append("KV cache not counted: give --context N for long prompts.")
    parts.append(f"Each GPU's usable VRAM is taken as {format_number(USABLE_FRACTION * 100)}% of it "
                 "(CUDA context, fragmentation), summed over the GPUs of one Pod; counts tried: every count "
                 "RunPod offers for the type, proposed at 1, 2, 4 or 8 (what tensor parallelism splits evenly).")
    if re.match(r"\d+\s*[x×]", label, re.IGNORECASE):
        parts.append(f"{label} counts all {_billions(params_b)} parameters: every expert "
                     "sits in VRAM.")
    return " ".join(parts)


def gb(value: Decimal) -> str:
    """GB for a sentence with at least two significant digits: `14.7`, `0.014`, never a
    misleading `0` for a small model."""
    if value == 0 or abs(value) >= 1:
        return format_number(value)
    places = min(12, max(1, -value.adjusted() + 1))
    return format_number(value, places=places)


def _billions(params_b: Decimal) -> str:
    """`7B`, `0.007B` (7M), `1,500B`: the parameter count the arithmetic used."""
    places = 3 if params_b >= Decimal("0.001") else min(12, -params_b.adjusted() + 1)
    return f"{format_number(params_b, places=places)}B"


def _assumed(label: str | None, shown: str, bare: bool) -> str:
    if not label or not bare:
        return ""
    return f"{label.strip()} is read as {shown} parameters (billions); write e.g. {label.strip()}M for millions. "


MAX_BATCH = 4096


def _comfort_note(context: int, batch: int, kv: Decimal, required: Decimal) -> str:
    return (f" Comfortable: room for the KV cache of {batch} × {context:,}-token sequences, 2 (K and V) × "
            f"layers × 1,024 × 2 bytes × {context:,} tokens × {batch} = ~{gb(kv)} GB, {gb(required)} GB in all "
            "(defaults 4 × 8,192; --context sets the length).")


def _skipped_note(skipped: tuple[SizingOption, ...]) -> str:
    if not skipped:
        return ""
    named = ", ".join(f"{o.count} × {o.gpu_name}" for o in skipped[:3])
    return (f" Also holds it, but not proposed: {named} — tensor parallelism does not split a model's attention "
            "heads evenly over that many GPUs (pipeline parallelism could).")
