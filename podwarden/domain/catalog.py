"""Which GPU type a person means: RunPod ids, display names and short names.

People type `a100`, `4090`, `h100 sxm` or paste RunPod's id (`NVIDIA A100 80GB PCIe`).
A name fits a GPU type when every word of it is a word of the type's id or display name
(`l4` is a word of "NVIDIA L4" but not of "NVIDIA L40S"; `a40` is not `a4000`), or when it
equals the id or display name with the spaces squeezed out (`a100sxm`, `rtx4090`).

When a short name fits several types, `ALIASES` says which one it takes — the most common
one — and the answer names the others, so `a100` is the A100 PCIe "and there is also an
A100 SXM". The alias table also knows RunPod ids that the catalog in hand may not offer,
so `l40` can answer "not offered now" instead of "unknown". Everything works with any
catalog passed in: the live one, the simulator's, a test's.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from podwarden.domain.errors import InputError, quoted, shown
from podwarden.domain.models import Cloud, GpuType

__all__ = ["ALIASES", "GpuList", "GpuMatch", "gpu_names", "offered_gpus", "parse_cloud", "resolve_gpu"]

# short name -> RunPod ids it stands for, the most common first. Keys are written the way
# `_words` normalises text: lower case, single spaces.
ALIASES: dict[str, tuple[str, ...]] = {
    "a100": ("NVIDIA A100 80GB PCIe", "NVIDIA A100-SXM4-80GB"),
    "a100 pcie": ("NVIDIA A100 80GB PCIe",),
    "a100 sxm": ("NVIDIA A100-SXM4-80GB",),
    "h100": ("NVIDIA H100 80GB HBM3", "NVIDIA H100 PCIe", "NVIDIA H100 NVL"),
    "h100 sxm": ("NVIDIA H100 80GB HBM3",),
    "h100 pcie": ("NVIDIA H100 PCIe",),
    "h100 nvl": ("NVIDIA H100 NVL",),
    "h200": ("NVIDIA H200",),
    "b200": ("NVIDIA B200",),
    "mi300x": ("AMD Instinct MI300X OAM",),
    "l4": ("NVIDIA L4",),
    "l40": ("NVIDIA L40",),
    "l40s": ("NVIDIA L40S",),
    "a40": ("NVIDIA A40",),
    "a4000": ("NVIDIA RTX A4000",),
    "a4500": ("NVIDIA RTX A4500",),
    "a5000": ("NVIDIA RTX A5000",),
    "a6000": ("NVIDIA RTX A6000",),
    "3090": ("NVIDIA GeForce RTX 3090",),
    "4090": ("NVIDIA GeForce RTX 4090",),
    "5090": ("NVIDIA GeForce RTX 5090",),
    "2000 ada": ("NVIDIA RTX 2000 Ada Generation",),
    "4000 ada": ("NVIDIA RTX 4000 Ada Generation",),
    "6000 ada": ("NVIDIA RTX 6000 Ada Generation",),
}

_WORD = re.compile(r"[a-z0-9]+")
_MAX_SUGGESTIONS = 3
_MAX_LISTED = 5
MAX_VRAM_GB = 10_000  # per GPU; today's largest is under 200
_EXAMPLES = ("a4000", "4090", "l40s", "a100", "h100")  # shown when a name is nothing like any


@dataclass(frozen=True, slots=True)
class GpuList:
    """The `gpus` answer: the types offered in `cloud` with at least `min_vram_gb` per GPU."""

    cloud: Cloud
    min_vram_gb: int
    gpus: tuple[GpuType, ...]
    price_source: str


@dataclass(frozen=True, slots=True)
class GpuMatch:
    """The GPU type a name resolved to, the other offered types the name also fits, and a
    sentence saying so (empty when the name was unambiguous)."""

    gpu: GpuType
    others: tuple[GpuType, ...] = ()
    note: str = ""


def resolve_gpu(name: str, catalog: Sequence[GpuType]) -> GpuMatch:
    """The catalog's GPU type for `name` (an id, a display name or a short name).

    Raises `InputError` with one line: "did you mean ...?" for a typo, "not offered now"
    for a known type missing from this catalog, or the choices when a name fits several
    types and no alias says which one it means.
    """
    words = _words(name)
    if not words and name.strip():  # emoji, punctuation, a script with no GPU names in it
        raise InputError(_unknown(name, catalog))
    if not words:
        raise InputError("missing GPU (e.g. a100, 4090, h100 sxm)")
    text = " ".join(words)
    squeezed = "".join(words)

    exact = [g for g in catalog if squeezed in (_squeeze(g.id), _squeeze(g.display_name))]
    if len(exact) == 1:
        return GpuMatch(gpu=exact[0])

    fits = exact or [g for g in catalog if set(words) <= _gpu_words(g)]
    by_id = {g.id: g for g in catalog}
    preferred = ALIASES.get(text) or ALIASES.get(_alias_key(squeezed), ())
    chosen = next((by_id[i] for i in preferred if i in by_id), None)
    if chosen is not None:
        others = _unique(g for g in (*[by_id[i] for i in preferred if i in by_id], *fits) if g != chosen)
        return GpuMatch(gpu=chosen, others=others, note=_note(name, chosen, others))
    if len(fits) == 1:
        return GpuMatch(gpu=fits[0])
    if fits:
        shown = [g.display_name for g in _by_price(fits)]
        more = f" and {len(shown) - _MAX_LISTED} more" if len(shown) > _MAX_LISTED else ""
        listed = ", ".join(shown[:_MAX_LISTED])
        raise InputError(f"{_shown(name)} fits several GPUs: {listed}{more}; say which one")
    missing = preferred or tuple(i for i in _known_ids() if _squeeze(i) == squeezed)
    if missing:
        raise InputError(f"{missing[0]} is not offered now; `gpus` lists what is")
    raise InputError(_unknown(name, catalog))


def parse_cloud(text: str | None, *, default: Cloud = Cloud.SECURE) -> Cloud:
    """`secure` / `community` / `all` (any case) -> `Cloud`; None -> `default`."""
    if text is None:
        return default
    try:
        return Cloud(text.strip().upper())
    except ValueError:
        raise InputError(f"--cloud takes secure, community or all, got {quoted(text)}") from None


def offered_gpus(
    catalog: Sequence[GpuType], *, cloud: Cloud = Cloud.ALL, spot: bool = False, min_vram_gb: int = 0
) -> tuple[GpuType, ...]:
    """The types with a price in `cloud` (on-demand, or spot when `spot`) and at least
    `min_vram_gb` of VRAM per GPU, smallest VRAM first, then cheapest: the `gpus` table."""
    if min_vram_gb < 0:
        raise InputError(f"--min-vram cannot be negative, got {shown(min_vram_gb)}")
    if min_vram_gb > MAX_VRAM_GB:
        raise InputError(f"--min-vram of more than {MAX_VRAM_GB:,} GB: no GPU has that much, got {shown(min_vram_gb)}")
    rows = [g for g in catalog if g.memory_gb >= min_vram_gb and g.price(cloud, spot=spot) is not None]
    return tuple(sorted(rows, key=lambda g: (g.memory_gb, g.price(cloud, spot=spot), g.id)))


def gpu_names(catalog: Sequence[GpuType]) -> tuple[str, ...]:
    """Every name that resolves in this catalog: ids, display names and usable aliases."""
    ids = {g.id for g in catalog}
    aliases = [a for a, targets in ALIASES.items() if any(t in ids for t in targets)]
    return tuple(_unique_str([*aliases, *(g.display_name for g in catalog), *(g.id for g in catalog)]))


def _unknown(name: str, catalog: Sequence[GpuType]) -> str:
    names = gpu_names(catalog)
    lowered = {n.lower(): n for n in reversed(names)}
    close = difflib.get_close_matches(" ".join(_words(name)), list(lowered), n=_MAX_SUGGESTIONS, cutoff=0.6)
    if close:
        return f"unknown GPU {_shown(name)}: did you mean {_or([lowered[c] for c in close])}?"
    ids = {g.id for g in catalog}
    examples = [e for e in _EXAMPLES if ALIASES[e][0] in ids] or [g.display_name for g in _by_price(catalog)]
    examples = examples[:_MAX_LISTED]
    known = f"; known here: {', '.join(examples)}" if examples else ""
    return f"unknown GPU {_shown(name)}{known} (`gpus` lists them all)"


def _note(name: str, chosen: GpuType, others: tuple[GpuType, ...]) -> str:
    if not others:
        return ""
    also = ", ".join(g.display_name for g in others)
    return f"{_shown(name)} is taken as {chosen.display_name} ({chosen.id}); it also fits {also}"


def _words(text: str) -> list[str]:
    """Lower-case ASCII words of `text` after NFKC, so fullwidth `Ａ１００` is `a100`."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


def _shown(name: str) -> str:
    """A name as echoed in an answer: quoted, and cut short when someone pasted a page."""
    name = name.strip()
    return repr(name) if len(name) <= 40 else repr(name[:39]) + "…"


def _squeeze(text: str) -> str:
    return "".join(_words(text))


def _gpu_words(gpu: GpuType) -> set[str]:
    return set(_words(gpu.id)) | set(_words(gpu.display_name))


def _alias_key(squeezed: str) -> str:
    """`a100sxm` -> `a100 sxm` when that is an alias: aliases typed without their space."""
    return next((key for key in ALIASES if key.replace(" ", "") == squeezed), "")


def _known_ids() -> tuple[str, ...]:
    return tuple(_unique_str(i for ids in ALIASES.values() for i in ids))


def _by_price(gpus: Iterable[GpuType]) -> list[GpuType]:
    def key(g: GpuType) -> tuple[int, object, str]:
        price = g.price(Cloud.ALL)
        return (price is None, price if price is not None else 0, g.id)

    return sorted(gpus, key=key)


def _unique(gpus: Iterable[GpuType]) -> tuple[GpuType, ...]:
    seen: dict[str, GpuType] = {}
    for g in gpus:
        seen.setdefault(g.id, g)
    return tuple(seen.values())


def _unique_str(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _or(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]
