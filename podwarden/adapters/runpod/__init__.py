"""RunPod adapters: the management API (GraphQL today, REST v2 later) and the Serverless API.

    build_runpod(settings, transport=...)   the `RunPodGateway` the settings ask for
    GraphQLRunPod                            RunPodGateway over https://api.runpod.io/graphql
    ServerlessClient                         ServerlessGateway over https://api.runpod.ai/v2
    RetryPolicy                              bounded backoff shared by both

Module map: `_http` (one httpx.Client per adapter, Bearer key, key scrubbing, JSON ->
models, and `RunPodAdapter`, the adapters' shared base), `errors` (the single mapping of
statuses, GraphQL errors and transport failures to RunPodError), `retry` (backoff and the
per-operation deadline), `models` (pydantic models of RunPod's JSON -> domain values),
`queries` (the GraphQL documents), `inputs` (the GraphQL inputs and the request token that
makes creates idempotent), `graphql`, `serverless`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import httpx

from podwarden.adapters.runpod.graphql import GraphQLRunPod
from podwarden.adapters.runpod.retry import RetryPolicy
from podwarden.adapters.runpod.serverless import ServerlessClient
from podwarden.errors import ConfigError

if TYPE_CHECKING:
    from podwarden.ports import RunPodGateway, ServerlessGateway
    from podwarden.settings import Settings

__all__ = ["GraphQLRunPod", "RetryPolicy", "ServerlessClient", "build_runpod", "build_serverless"]


def build_runpod(settings: Settings, *, transport: httpx.BaseTransport | None = None) -> RunPodGateway:
    """The management-API adapter chosen by ``PODWARDEN_RUNPOD_API``."""
    from podwarden.settings import RunPodApi

    if settings.runpod_api is RunPodApi.REST:
        raise ConfigError("PODWARDEN_RUNPOD_API=rest: the REST v2 adapter is not built yet; use graphql")
    return GraphQLRunPod.from_settings(settings, transport=transport)


def build_serverless(
    settings: Settings, *, transport: httpx.BaseTransport | None = None,
) -> ServerlessGateway:
    """The Serverless runtime adapter (the same for either management API)."""
    return ServerlessClient.from_settings(settings, transport=transport)
