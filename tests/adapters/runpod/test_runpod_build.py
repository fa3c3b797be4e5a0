"""Building the adapters: from plain values, and from the settings through `podwarden.bootstrap`
(the one place that reads them); and what every request they send looks like."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from pydantic import SecretStr

from podwarden import bootstrap
from podwarden.adapters.runpod import GraphQLRunPod, RetryPolicy, ServerlessClient
from podwarden.errors import ConfigError
from podwarden.settings import Settings
from tests.adapters.runpod.runpod_helpers import API_KEY, GRAPHQL_URL, RecordingTransport


def ok(request: httpx.Request) -> httpx.Response:
    if request.url.host == "api.runpod.ai":
        return httpx.Response(200, json={"jobs": {}, "workers": {}})
    return httpx.Response(200, json={"data": {"myself": {"id": "u1", "clientBalance": 1.5}}})


def test_bootstrap_gives_the_graphql_adapter() -> None:
    settings = Settings(runpod_api_key=SecretStr(API_KEY))
    runpod = bootstrap.runpod_client(settings, transport=httpx.MockTransport(ok))
    assert isinstance(runpod, GraphQLRunPod)
    assert runpod.account().id == "u1"
    runpod.close()


@pytest.mark.parametrize("key", [None, SecretStr(""), SecretStr("   ")])
def test_a_missing_key_is_a_config_error(key: SecretStr | None) -> None:
    settings = Settings(runpod_api_key=key)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is not set"):
        bootstrap.runpod_client(settings)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is not set"):
        bootstrap.serverless_client(settings)


@pytest.mark.parametrize("key", ["", "   ", SecretStr(""), SecretStr(" ")])
def test_an_empty_key_passed_directly_is_refused(key: SecretStr | str) -> None:
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is empty"):
        GraphQLRunPod(url=GRAPHQL_URL, api_key=key)
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_API_KEY is empty"):
        ServerlessClient(url=GRAPHQL_URL, api_key=key)


def test_a_key_in_the_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="never in a URL"):
        GraphQLRunPod(url=f"{GRAPHQL_URL}?api_key={API_KEY}", api_key=API_KEY)


def test_bootstrap_passes_the_settings_urls_timeout_and_retry_bounds() -> None:
    settings = Settings(
        runpod_api_key=SecretStr(API_KEY),
        runpod_graphql_url="https://gql.example.test/graphql",
        runpod_serverless_url="https://sls.example.test/v2",
        runpod_timeout=timedelta(seconds=7),
        runpod_max_retries=2,
        runpod_retry_budget=timedelta(seconds=45),
    )
    recorder = RecordingTransport(httpx.MockTransport(ok))
    runpod = bootstrap.runpod_client(settings, transport=recorder)
    serverless = bootstrap.serverless_client(settings, transport=recorder)
    assert isinstance(runpod, GraphQLRunPod)
    assert isinstance(serverless, ServerlessClient)
    with runpod, serverless:
        runpod.account()
        serverless.health("ep1")
        for client in (runpod, serverless):
            assert client._retry.max_attempts == 3
            assert client._retry.budget_seconds == 45.0
    graphql, health = recorder.requests
    assert str(graphql.url) == "https://gql.example.test/graphql"
    assert str(health.url) == "https://sls.example.test/v2/ep1/health"
    assert graphql.extensions["timeout"]["read"] == 7.0
    assert health.extensions["timeout"]["read"] == 7.0
    assert graphql.headers["Authorization"] == health.headers["Authorization"] == f"Bearer {API_KEY}"


def test_a_retry_budget_that_is_not_positive_is_a_config_error() -> None:
    settings = Settings(runpod_api_key=SecretStr(API_KEY), runpod_retry_budget=timedelta(0))
    for build in (bootstrap.runpod_retry, bootstrap.runpod_client, bootstrap.serverless_client):
        with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_RETRY_BUDGET must be positive"):
            build(settings)


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
    # (A broken IPv6 host, "http://[::1/graphql", is now refused by the settings themselves.)
    settings = Settings(runpod_api_key=SecretStr(API_KEY), runpod_graphql_url="http://ex\x00ample.com/graphql")
    with pytest.raises(ConfigError, match="PODWARDEN_RUNPOD_GRAPHQL_URL"):
        bootstrap.runpod_client(settings)


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
