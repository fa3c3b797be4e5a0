"""Building the adapters from settings, and what every request they send looks like."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from podwarden.adapters.runpod import (
    GraphQLRunPod,
    RetryPolicy,
    ServerlessClient,
    build_runpod,
    build_serverless,
)
from podwarden.errors import ConfigError
from podwarden.settings import RunPodApi, Settings
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, RecordingTransport


def ok(request: httpx.Request) -> httpx.Response:
    if request.url.host == "api.runpod.ai":
        return httpx.Response(200, json={"jobs": {}, "workers": {}})
    return httpx.Response(200, json={"data": {"myself": {"id": "u1", "clientBalance": 1.5}}})


def test_build_runpod_gives_the_graphql_adapter() -> None:
    settings = Settings(runpod_api_key=SecretStr(API_KEY))
    runpod = build_runpod(settings, transport=httpx.MockTransport(ok))
    assert isinstance(runpod, GraphQLRunPod)
    assert runpod.account().id == "u1"
    runpod.close()


def test_rest_is_not_built_yet() -> None:
    settings = Settings(runpod_api_key=SecretStr(API_KEY), runpod_api=RunPodApi.REST)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API=rest: the REST v2 adapter is not built yet"):
        build_runpod(settings)


@pytest.mark.parametrize("key", [None, SecretStr(""), SecretStr("   ")])
def test_a_missing_key_is_a_config_error(key: SecretStr | None) -> None:
    settings = Settings(runpod_api_key=key)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is not set"):
        build_runpod(settings)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is not set"):
        build_serverless(settings)


def test_an_empty_key_passed_directly_is_refused() -> None:
    with pytest.raises(ConfigError):
        GraphQLRunPod(url=GRAPHQL_URL, api_key="")


def test_a_key_in_the_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="never in a URL"):
        GraphQLRunPod(url=f"{GRAPHQL_URL}?api_key={API_KEY}", api_key=API_KEY)


def test_from_settings_uses_urls_timeout_and_retry_bounds() -> None:
    settings = Settings(
        runpod_api_key=SecretStr(API_KEY),
        runpod_graphql_url="https://gql.example.test/graphql",
        runpod_serverless_url="https://sls.example.test/v2",
        runpod_timeout=timedelta(seconds=7),
        runpod_max_retries=2,
    )
    recorder = RecordingTransport(httpx.MockTransport(ok))
    with GraphQLRunPod.from_settings(settings, transport=recorder) as runpod:
        runpod.account()
        assert runpod._retry.max_attempts == 3
    with ServerlessClient.from_settings(settings, transport=recorder) as serverless:
        serverless.health("ep1")
    graphql, health = recorder.requests
    assert str(graphql.url) == "https://gql.example.test/graphql"
    assert str(health.url) == "https://sls.example.test/v2/ep1/health"
    assert graphql.extensions["timeout"]["read"] == 7.0


def test_every_request_carries_bearer_key_and_user_agent_and_no_key_in_the_url() -> None:
    recorder = RecordingTransport(httpx.MockTransport(ok))
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=SecretStr(API_KEY), transport=recorder,
                       retry=RetryPolicy.never()) as runpod:
        runpod.account()
        runpod.account()
    for request in recorder.requests:
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert request.headers["User-Agent"] == "podwarden/0.1.0"
        assert request.headers["Content-Type"] == "application/json"
        assert API_KEY not in str(request.url)
        assert request.method == "POST"
        assert request.url.params == httpx.QueryParams()


def test_one_client_is_reused_and_closed() -> None:
    runpod = GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, transport=httpx.MockTransport(ok))
    client = runpod._http._client
    runpod.account()
    runpod.account()
    assert runpod._http._client is client
    runpod.close()
    assert client.is_closed


@pytest.mark.parametrize("url", ["ftp://api.runpod.io/graphql", "api.runpod.io/graphql", "https://",
                                 "http://[::1/graphql"])
def test_a_url_httpx_cannot_use_is_a_config_error_at_once(url: str) -> None:
    with pytest.raises(ConfigError, match=r"PODWARDEN_RUNPOD_GRAPHQL_URL=.* is not a usable URL"):
        GraphQLRunPod(url=url, api_key=API_KEY)
    with pytest.raises(ConfigError, match=r"PODWARDEN_RUNPOD_SERVERLESS_URL=.* is not a usable URL"):
        ServerlessClient(url=url, api_key=API_KEY)


def test_a_url_that_passes_the_settings_but_not_httpx_is_a_config_error() -> None:
    settings = Settings(runpod_api_key=SecretStr(API_KEY), runpod_graphql_url="http://[::1/graphql")
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_GRAPHQL_URL"):
        build_runpod(settings)


@pytest.mark.parametrize("exc", [httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
                                 httpx.InvalidURL("Invalid port: ':1'")])
def test_a_url_refused_when_sending_is_a_config_error_not_retried(exc: Exception) -> None:
    """Should httpx refuse the URL only when sending, it is still misconfiguration: no retries."""
    sleeps: list[float] = []
    calls: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise exc

    policy = RetryPolicy(sleep=sleeps.append)
    with GraphQLRunPod(url=GRAPHQL_URL, api_key=API_KEY, retry=policy, transport=httpx.MockTransport(refuse)) \
            as runpod, pytest.raises(ConfigError, match="is not a usable URL"):
        runpod.list_pods()
    assert len(calls) == 1
    assert sleeps == []
