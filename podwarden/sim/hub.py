"""The RunPod Hub: ``listings``, ``listing(id:)``, ``listingFromRepo(repoOwner:, repoName:)``.

runpodctl's ``hub list|search|get`` read these (internal/api/hub.go), and ``serverless
create --hub-id`` deploys a listing's release: it needs ``listedRelease.build.imageName``
and parses ``listedRelease.config``, a JSON *string*, into Go ints (``gpuCount``,
``containerDiskInGb``), a gpu pool list and env defaults (cmd/serverless/create.go). The
catalogue is a fixed handful of plausible repositories, the same in every world: the Hub is
RunPod's public shop window, not something an account owns. An unknown id or repository is
``null`` with no ``errors`` key (runpodctl then says "hub listing not found").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["LISTINGS", "HubListing", "find_listing", "find_listing_from_repo", "list_listings"]

_DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class HubListing:
    id: str
    title: str
    repo_owner: str
    repo_name: str
    description: str
    category: str
    type: str  # POD or SERVERLESS; runpodctl filters on it client-side
    tags: tuple[str, ...]
    stars: int
    views: int
    deploys: int
    open_issues: int
    watchers: int
    language: str
    created_at: str
    updated_at: str
    release_id: str
    tag_name: str
    released_at: str
    image_name: str
    config: Mapping[str, Any]
    license: str = "MIT"


def _env(**defaults: object) -> list[dict[str, Any]]:
    return [{"key": key, "input": {"default": value}} for key, value in defaults.items()]


LISTINGS: tuple[HubListing, ...] = (
    HubListing(
        id="clma1kziv00064iog9u6acj6z", title="vLLM", repo_owner="runpod-workers", repo_name="worker-vllm",
        description="OpenAI-compatible LLM endpoint served by vLLM.", category="language", type="SERVERLESS",
        tags=("llm", "vllm", "openai"), stars=412, views=98231, deploys=15402, open_issues=37, watchers=18,
        language="Python", created_at="2025-03-11T09:12:44.000Z", updated_at="2026-11-02T16:40:03.000Z",
        release_id="cmh2q8x1d000b07l4fj2k9w3e", tag_name="v2.9.1", released_at="2026-11-02T16:38:51.000Z",
        image_name="runpod/worker-v1-vllm:v2.9.1",
        config={"runsOn": "GPU", "containerDiskInGb": 150, "gpuIds": "ADA_80_PRO,AMPERE_80", "gpuCount": 1,
                "allowedCudaVersions": ["12.8", "12.7"],
                "env": _env(MODEL_NAME="Qwen/Qwen2.5-7B-Instruct", MAX_MODEL_LEN=8192)},
    ),
    HubListing(
        id="clmb7r2qk000a4iogx1c5v0hd", title="Faster Whisper", repo_owner="runpod-workers",
        repo_name="worker-faster_whisper", description="Speech to text with faster-whisper.",
        category="audio", type="SERVERLESS", tags=("whisper", "speech-to-text"), stars=168, views=40117,
        deploys=6120, open_issues=9, watchers=7, language="Python", created_at="2025-03-18T14:02:10.000Z",
        updated_at="2026-09-21T08:15:27.000Z", release_id="cmf5t0k7a0003l90ah3b6c1zq", tag_name="v1.4.0",
        released_at="2026-09-21T08:14:02.000Z", image_name="runpod/ai-api-faster-whisper:1.4.0",
        config={"runsOn": "GPU", "containerDiskInGb": 40, "gpuIds": "ADA_24,AMPERE_24", "gpuCount": 1,
                "env": _env(DEFAULT_MODEL="large-v3")},
    ),
    HubListing(
        id="clmc2d9w80011b7ogq4r8n2ye", title="ComfyUI", repo_owner="runpod-workers", repo_name="worker-comfyui",
        description="ComfyUI workflows as an API.", category="image", type="SERVERLESS",
        tags=("comfyui", "stable-diffusion", "flux"), stars=356, views=77410, deploys=11893, open_issues=22,
        watchers=15, language="Python", created_at="2025-04-02T11:47:31.000Z",
        updated_at="2026-10-14T19:05:12.000Z", release_id="cmg9w3n2b0007m80b5d2x8kqa", tag_name="5.5.0",
        released_at="2026-10-14T19:03:40.000Z", image_name="runpod/worker-comfyui:5.5.0-base",
        config={"runsOn": "GPU", "containerDiskInGb": 60, "gpuIds": "ADA_48_PRO,AMPERE_48", "gpuCount": 1,
                "allowedCudaVersions": ["12.6"]},
    ),
    HubListing(
        id="clmd4h6s30004c2ogk7t1p9bf", title="Text Embeddings", repo_owner="runpod-workers",
        repo_name="worker-infinity-embedding", description="Fast text embeddings and reranking with Infinity.",
        category="language", type="SERVERLESS", tags=("embeddings", "rerank"), stars=74, views=15230,
        deploys=2311, open_issues=4, watchers=5, language="Python", created_at="2025-05-20T07:30:00.000Z",
        updated_at="2026-08-30T12:00:45.000Z", release_id="cme1a7p4c0001n70c8g3y2rtb", tag_name="v1.2.0",
        released_at="2026-08-30T11:58:12.000Z", image_name="runpod/worker-infinity-embedding:1.2.0",
        config={"runsOn": "GPU", "containerDiskInGb": 20, "gpuIds": "AMPERE_16,ADA_24", "gpuCount": 1,
                "env": _env(MODEL_NAMES="BAAI/bge-small-en-v1.5")},
    ),
    HubListing(
        id="clme8m1x5000fd9ogz3w6k4uc", title="Jupyter CPU Sandbox", repo_owner="example-lab",
        repo_name="cpu-notebook", description="A JupyterLab pod for data prep on CPU.", category="tools",
        type="POD", tags=("jupyter", "cpu"), stars=12, views=2210, deploys=301, open_issues=1, watchers=2,
        language="Dockerfile", created_at="2025-08-09T15:22:18.000Z", updated_at="2026-06-01T10:10:10.000Z",
        release_id="cmb3c5r8d0002p60d1h7z4wse", tag_name="v0.3.0", released_at="2026-06-01T10:09:30.000Z",
        image_name="examplelab/cpu-notebook:0.3.0",
        config={"runsOn": "CPU", "containerDiskInGb": 20}, license="Apache-2.0",
    ),
)

_BY_ID = {listing.id: listing for listing in LISTINGS}


def _release_view(listing: HubListing) -> dict[str, Any]:
    return {
        "id": listing.release_id, "name": f"{listing.title} {listing.tag_name}", "tagName": listing.tag_name,
        "body": f"Release {listing.tag_name} of {listing.repo_owner}/{listing.repo_name}.",
        "readme": f"# {listing.title}\n\n{listing.description}\n", "branch": "main", "license": listing.license,
        # A JSON string, not an object: runpodctl unmarshals it itself (cmd/serverless/create.go).
        "config": json.dumps(dict(listing.config)), "deploys": listing.deploys,
        "iconUrl": f"https://avatars.githubusercontent.com/{listing.repo_owner}",
        "authorName": listing.repo_owner, "createdAt": listing.released_at, "releasedAt": listing.released_at,
        "updatedAt": listing.updated_at, "build": {"imageName": listing.image_name}, "tests": None,
    }


def listing_view(listing: HubListing) -> dict[str, Any]:
    return {
        "id": listing.id, "title": listing.title, "repoName": listing.repo_name, "repoOwner": listing.repo_owner,
        "repoOwnerAvatarUrl": f"https://avatars.githubusercontent.com/{listing.repo_owner}",
        "description": listing.description, "category": listing.category, "type": listing.type,
        "tags": list(listing.tags), "stars": listing.stars, "views": listing.views, "deploys": listing.deploys,
        "openIssues": listing.open_issues, "watchers": listing.watchers, "language": listing.language,
        "createdAt": listing.created_at, "updatedAt": listing.updated_at, "listedRelease": _release_view(listing),
    }


def _matches(listing: HubListing, text: str) -> bool:
    haystack = " ".join((listing.title, listing.repo_name, listing.repo_owner, listing.description,
                         *listing.tags)).lower()
    return all(word in haystack for word in text.lower().split())


# ``ListingOrderBy``: the values runpodctl's --order-by offers, and the attribute each sorts on.
_ORDER_KEYS = {"stars": "stars", "views": "views", "deploys": "deploys", "createdAt": "created_at",
               "updatedAt": "updated_at", "releasedAt": "released_at"}


def list_listings(data: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``ListingsInput``: search words, category, owner, order, limit and offset (there is no
    ``type``: runpodctl filters POD/SERVERLESS itself, which is why a limit may return fewer)."""
    data = data or {}
    found = list(LISTINGS)
    if data.get("searchQuery"):
        found = [listing for listing in found if _matches(listing, str(data["searchQuery"]))]
    if data.get("category"):
        found = [listing for listing in found if listing.category == str(data["category"]).lower()]
    if data.get("owner"):
        found = [listing for listing in found if listing.repo_owner == str(data["owner"])]
    attribute = _ORDER_KEYS[str(data.get("orderBy") or "stars")]
    descending = str(data.get("orderDirection") or "desc") == "desc"
    found.sort(key=lambda listing: getattr(listing, attribute), reverse=descending)
    offset = max(int(data.get("offset") or 0), 0)
    limit = int(data["limit"]) if data.get("limit") else _DEFAULT_LIMIT
    return [listing_view(listing) for listing in found[offset:offset + max(limit, 0)]]


def find_listing(listing_id: str) -> dict[str, Any] | None:
    listing = _BY_ID.get(listing_id)
    return listing_view(listing) if listing is not None else None


def find_listing_from_repo(owner: str, name: str) -> dict[str, Any] | None:
    for listing in LISTINGS:
        if listing.repo_owner.lower() == owner.lower() and listing.repo_name.lower() == name.lower():
            return listing_view(listing)
    return None
