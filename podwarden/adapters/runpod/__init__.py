"""RunPod adapters: the management API (GraphQL or REST v2) and the Serverless API.

    GraphQLRunPod       RunPodGateway over https://api.runpod.io/graphql
    RestRunPod          RunPodGateway over https://api.runpod.io/v2 (GraphQL for the account
                        and spot pods, which v2 lacks)
    ServerlessClient    ServerlessGateway over https://api.runpod.ai/v2
    RetryPolicy         bounded backoff shared by both

Each is built from plain values (``url=``, ``api_key=``, ``timeout=``, ``retry=``, and a
keyword-only ``transport=`` for tests); `podwarden.bootstrap` reads them from the settings
and picks the management API (``PODWARDEN_RUNPOD_API``).

Module map: `_http` (one httpx.Client per adapter, Bearer key, key scrubbing, JSON ->
models, and `RunPodAdapter`, the adapters' shared base), `errors` (the single mapping of
statuses, GraphQL errors and transport failures to RunPodError), `retry` (backoff and the
per-operation deadline), `values` (JSON numbers as money, whole numbers, offered prices:
for both APIs' models), `models` (pydantic models of RunPod's JSON -> domain values),
`queries` (the GraphQL documents), `inputs` (the GraphQL inputs and the request token that
makes creates idempotent), `graphql`, `serverless`; for REST v2, `rest_models` (pods),
`rest_catalog_models`, `rest_serverless_models`, `rest_inputs`, `mutations` (the write rules
of `graphql`, lifted for `rest`) and `rest`.
"""

from __future__ import annotations

from podwarden.adapters.runpod.graphql import GraphQLRunPod
from podwarden.adapters.runpod.rest import RestRunPod
from podwarden.adapters.runpod.retry import RetryPolicy
from podwarden.adapters.runpod.serverless import ServerlessClient

__all__ = ["GraphQLRunPod", "RestRunPod", "RetryPolicy", "ServerlessClient"]
