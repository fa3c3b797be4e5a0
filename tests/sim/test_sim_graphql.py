"""The GraphQL transport: keys, validation failures (400) and RunPod's error shapes."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator
from tests.sim.sim_helpers import API_KEY, GraphQL


def test_a_misspelt_field_fails_validation_with_400(gql: GraphQL) -> None:
    response = gql.post("query { myself { pods { id desiredStatuss } } }")

    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "GRAPHQL_VALIDATION_FAILED"}
    assert "desiredStatuss" in error["message"]


def test_an_unknown_input_field_fails_as_it_does_on_runpod(sim: RunPodSimulator, gql: GraphQL) -> None:
    """runpod-plugins-official#56: `objectMounts` is not in PodFindAndDeployOnDemandInput -> 400."""
    literal = gql.post('mutation { podFindAndDeployOnDemand(input: {name: "x", objectMounts: []}) { id } }')
    variables = gql.post(
        "mutation($input: PodFindAndDeployOnDemandInput!) { podFindAndDeployOnDemand(input: $input) { id } }",
        {"input": {"name": "x", "imageName": "i", "gpuTypeId": "NVIDIA A40", "objectMounts": []}},
    )

    assert literal.status_code == 400
    assert literal.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert variables.status_code == 400
    assert variables.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "objectMounts" in variables.json()["errors"][0]["message"]
    assert sim.world.pods == {}


def test_a_document_that_does_not_parse_is_400(gql: GraphQL) -> None:
    response = gql.post("query { myself { id ")
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


def test_a_missing_or_wrong_key_is_401(client: httpx.Client) -> None:
    query = {"query": "{ myself { id } }"}
    missing = client.post("/graphql", json=query, headers={"Authorization": ""})
    wrong = client.post("/graphql", json=query, headers={"Authorization": "Bearer rpa_WRONG"})
    raw = client.post("/graphql", json=query, headers={"Authorization": API_KEY})

    for response in (missing, wrong, raw):
        assert response.status_code == 401
        assert response.json() == {"errors": [{"message": "Unauthorized"}]}


def test_the_legacy_api_key_query_parameter_still_works(sim: RunPodSimulator) -> None:
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim") as bare:
        ok = bare.post("/graphql", params={"api_key": API_KEY}, json={"query": "{ myself { id } }"})
        bad = bare.post("/graphql", params={"api_key": "nope"}, json={"query": "{ myself { id } }"})

    assert ok.status_code == 200
    assert ok.json()["data"]["myself"]["id"] == sim.world.user_id
    assert bad.status_code == 401


def test_without_a_configured_key_any_non_empty_key_is_accepted(clock: ManualClock) -> None:
    sim = RunPodSimulator(clock=clock)
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim") as bare:
        anything = bare.post("/graphql", json={"query": "{ myself { id } }"},
                             headers={"Authorization": "Bearer whatever"})
        nothing = bare.post("/graphql", json={"query": "{ myself { id } }"})

    assert anything.status_code == 200
    assert nothing.status_code == 401


def test_the_operation_name_picks_the_operation(gql: GraphQL) -> None:
    document = "query A { myself { id } } query B { gpuTypes { id } }"
    response = gql.client.post("/graphql", json={"query": document, "operationName": "B"})
    assert list(response.json()["data"]) == ["gpuTypes"]


def test_the_account_answers_every_spend_field(gql: GraphQL, sim: RunPodSimulator) -> None:
    me = gql.data("""query { myself { id email pubKey clientBalance currentSpendPerHr spendLimit underBalance
        minBalance spendDetails { localStoragePerHour networkStoragePerHour gpuComputePerHour }
        networkVolumes { id name size dataCenterId } serverlessDiscount { discountFactor type expirationDate }
        } }""")["myself"]

    assert me["clientBalance"] == 500.0
    assert me["spendLimit"] == 80
    assert me["underBalance"] is False
    assert me["serverlessDiscount"] is None
    assert me["networkVolumes"] == []


def test_ssh_keys_are_one_string_replaced_whole(sim: RunPodSimulator, gql: GraphQL) -> None:
    keys = "ssh-ed25519 AAAA bot\n\nssh-rsa BBBB me"
    result = gql.data("mutation Mutation($input: UpdateUserSettingsInput) { updateUserSettings(input: $input)"
                      " { id pubKey } }", {"input": {"pubKey": keys}})
    assert result["updateUserSettings"]["pubKey"] == keys
    assert sim.world.pub_key == keys


def test_gpu_types_carry_prices_and_lowest_prices_per_cloud(gql: GraphQL) -> None:
    data = gql.data("""query($secure: GpuLowestPriceInput!, $community: GpuLowestPriceInput!) {
      gpuTypes(input: {id: "NVIDIA A100 80GB PCIe"}) {
        id displayName memoryInGb securePrice communityPrice secureSpotPrice communitySpotPrice
        s: lowestPrice(input: $secure) { uninterruptablePrice minimumBidPrice stockStatus availableGpuCounts }
        c: lowestPrice(input: $community) { uninterruptablePrice minimumBidPrice stockStatus }
        any: lowestPrice(input: {gpuCount: 1}) { uninterruptablePrice minimumBidPrice }
      } }""", {"secure": {"gpuCount": 1, "secureCloud": True},
               "community": {"gpuCount": 1, "secureCloud": False}})
    [a100] = data["gpuTypes"]

    assert (a100["displayName"], a100["memoryInGb"]) == ("A100 PCIe", 80)
    assert (a100["securePrice"], a100["communityPrice"]) == (1.89, 1.64)
    assert (a100["secureSpotPrice"], a100["communitySpotPrice"]) == (0.95, 0.82)
    assert a100["s"] == {"uninterruptablePrice": 1.89, "minimumBidPrice": 0.95, "stockStatus": "High",
                         "availableGpuCounts": [1, 2, 4, 8]}
    assert a100["c"] == {"uninterruptablePrice": 1.64, "minimumBidPrice": 0.82, "stockStatus": "Medium"}
    assert a100["any"] == {"uninterruptablePrice": 1.64, "minimumBidPrice": 0.82}
    assert gql.data('{ gpuTypes(input: {id: "NVIDIA GeForce RTX 3070"}) { id } }') == {"gpuTypes": []}


def test_a_bug_in_a_resolver_surfaces_instead_of_posing_as_runpod(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY)
    gql = connect(sim)
    pod = sim.world.add_pod(name="x", gpu_type_id="NVIDIA A40")
    pod.cost_per_hr = None  # type: ignore[assignment]  # corrupt the world behind the API's back

    with pytest.raises(TypeError):
        gql.post("{ myself { pods { id } } }")
    assert pod.id in sim.world.pods
