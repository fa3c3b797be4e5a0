"""The Hub and the model repository: behaviour behind the shapes tests/conformance checks for runpodctl.

``hub list|search|get`` and ``serverless create --hub-id`` read the Hub; ``model add|list|remove``
drive the model repository, whose versions get their hash only some time after their uploads
complete (``--wait-for-hash`` polls for it).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from podwarden.sim import RunPodSimulator
from podwarden.sim.model_repo import HASH_SECONDS
from tests.sim.sim_helpers import GraphQL

LISTINGS = "query($input: ListingsInput!) { listings(input: $input) { id repoOwner repoName type stars deploys } }"
LISTING = """query($id: String!) { listing(id: $id) { id title listedRelease { id config build { imageName } } } }"""
FROM_REPO = """query($o: String!, $n: String!) { listingFromRepo(repoOwner: $o, repoName: $n) { id } }"""

ADD = """mutation($input: AddModelToRepoInput!) { addModelToRepo(input: $input) {
           success message model { id owner name provider versions { uuid hash } } } }"""
UPLOAD = """mutation($input: CreateModelRepoUploadInput!) { createModelRepoUpload(input: $input) {
              success message upload { sessionId status partSizeBytes partCount parts { partNumber url } }
              version { uuid hash status metadata } } }"""
COMPLETE = """mutation($input: CompleteModelRepoUploadInput!) { completeModelRepoUpload(input: $input) {
                success message sessionId status } }"""
MODELS = "query { myModels { id owner name versions { uuid hash status } } }"
MODEL = "query($o: String!, $n: String!) { myModel(owner: $o, name: $n) { id versions { uuid hash status } } }"
STATUS = """mutation($uuid: ID, $hash: ID, $status: ModelVersionStatus!) {
              updateModelVersionStatus(uuid: $uuid, hash: $hash, status: $status) {
                success message modelVersion { uuid hash status } } }"""
REMOVE = """mutation($input: RemoveModelFromRepoInput!) { removeModelFromRepo(input: $input) {
              success message model { name } } }"""


def _listings(gql: GraphQL, **given: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = gql.data(LISTINGS, {"input": given})["listings"]
    return found


def test_listings_search_filter_order_and_page(gql: GraphQL) -> None:
    everything = _listings(gql)
    assert [listing["stars"] for listing in everything] == sorted((x["stars"] for x in everything), reverse=True)
    assert {listing["type"] for listing in everything} == {"POD", "SERVERLESS"}

    [vllm] = _listings(gql, searchQuery="VLLM")
    assert (vllm["repoOwner"], vllm["repoName"]) == ("runpod-workers", "worker-vllm")
    assert _listings(gql, searchQuery="no such thing") == []

    by_deploys = _listings(gql, owner="runpod-workers", orderBy="deploys", orderDirection="asc")
    assert [x["deploys"] for x in by_deploys] == sorted(x["deploys"] for x in by_deploys)
    assert all(x["repoOwner"] == "runpod-workers" for x in by_deploys)
    assert _listings(gql, owner="runpod-workers", orderBy="deploys", orderDirection="asc", limit=2, offset=1) \
        == by_deploys[1:3]


def test_an_unknown_order_is_refused_as_bad_input(gql: GraphQL) -> None:
    response = gql.post(LISTINGS, {"input": {"orderBy": "popularity"}})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


def test_a_listing_release_config_is_a_json_string_runpodctl_decodes_into_go_ints(gql: GraphQL) -> None:
    [vllm] = _listings(gql, searchQuery="vllm")
    listing = gql.data(LISTING, {"id": vllm["id"]})["listing"]
    release = listing["listedRelease"]
    assert release["build"]["imageName"].startswith("runpod/")
    config = json.loads(release["config"])
    assert type(config["gpuCount"]) is int
    assert type(config["containerDiskInGb"]) is int
    assert config["runsOn"] == "GPU"
    assert config["env"][0]["key"] == "MODEL_NAME"
    assert gql.data(FROM_REPO, {"o": "RunPod-Workers", "n": "worker-vllm"})["listingFromRepo"]["id"] == vllm["id"]


def test_unknown_listings_are_null_without_errors(gql: GraphQL) -> None:
    assert gql.data(LISTING, {"id": "clzz0000000000000000000000"}) == {"listing": None}
    assert gql.data(FROM_REPO, {"o": "runpod-workers", "n": "nope"}) == {"listingFromRepo": None}


def _upload(gql: GraphQL, file_name: str, size: int, **more: Any) -> dict[str, Any]:
    result: dict[str, Any] = gql.data(UPLOAD, {"input": {
        "name": "llama-ft", "fileName": file_name, "fileSizeBytes": str(size), **more}})["createModelRepoUpload"]
    assert result["success"] is True, result
    return result


def test_a_version_is_hashed_only_some_time_after_its_last_upload_completes(sim: RunPodSimulator,
                                                                            gql: GraphQL) -> None:
    added = gql.data(ADD, {"input": {"name": "llama-ft", "provider": "LOCAL"}})["addModelToRepo"]
    assert added["success"] is True
    assert added["model"]["owner"] == sim.world.user_id
    assert added["model"]["provider"] == "LOCAL"

    first = _upload(gql, "config.json", 1532, metadata={"base": "llama"})
    version = first["version"]["uuid"]
    assert first["version"]["metadata"] == {"base": "llama"}
    assert first["upload"]["partCount"] == 1
    assert first["upload"]["partSizeBytes"] == str(64 * 1024 * 1024)
    second = _upload(gql, "model.safetensors", 200 * 1024 * 1024, modelVersionUuid=version,
                     partSizeBytes=str(64 * 1024 * 1024))
    assert second["version"]["uuid"] == version
    assert [p["partNumber"] for p in second["upload"]["parts"]] == [1, 2, 3, 4]

    gql.data(COMPLETE, {"input": {"sessionId": first["upload"]["sessionId"]}})
    sim.advance(HASH_SECONDS * 2)
    [model] = gql.data(MODELS)["myModels"]
    assert model["versions"] == [{"uuid": version, "hash": None, "status": "UPLOADING"}]  # one file still open

    done = gql.data(COMPLETE, {"input": {"sessionId": second["upload"]["sessionId"]}})["completeModelRepoUpload"]
    assert done == {"success": True, "message": "Upload completed",
                    "sessionId": second["upload"]["sessionId"], "status": "completed"}
    sim.advance(HASH_SECONDS - 1)
    assert gql.data(MODELS)["myModels"][0]["versions"][0]["hash"] is None
    sim.advance(1)
    [hashed] = gql.data(MODELS)["myModels"][0]["versions"]
    assert hashed["status"] == "READY"
    assert len(hashed["hash"]) == 64


def test_adding_again_answers_the_same_model_and_refusals_say_why(sim: RunPodSimulator, gql: GraphQL) -> None:
    first = gql.data(ADD, {"input": {"name": "llama-ft"}})["addModelToRepo"]["model"]
    again = gql.data(ADD, {"input": {"name": "llama-ft"}})["addModelToRepo"]
    assert again["success"] is True
    assert again["model"]["id"] == first["id"]

    missing = gql.data(UPLOAD, {"input": {"name": "llama-ft", "fileName": "a", "fileSizeBytes": "1",
                                          "modelVersionUuid": "no-such-version"}})["createModelRepoUpload"]
    assert missing["success"] is False
    assert "no-such-version" in missing["message"]
    assert gql.data(UPLOAD, {"input": {"name": "llama-ft", "fileName": "a", "fileSizeBytes": "big"}}
                    )["createModelRepoUpload"]["success"] is False
    assert gql.data(COMPLETE, {"input": {"sessionId": "nope"}})["completeModelRepoUpload"]["success"] is False
    gone = gql.data(REMOVE, {"input": {"owner": sim.world.user_id, "name": "other"}})["removeModelFromRepo"]
    assert gone["success"] is False
    assert "not found" in gone["message"]


def test_remove_a_version_by_hash_then_the_model(sim: RunPodSimulator, gql: GraphQL) -> None:
    owner = gql.data(ADD, {"input": {"name": "llama-ft"}})["addModelToRepo"]["model"]["owner"]
    upload = _upload(gql, "config.json", 10)
    gql.data(COMPLETE, {"input": {"sessionId": upload["upload"]["sessionId"]}})
    sim.advance(HASH_SECONDS)
    [version] = gql.data(MODEL, {"o": owner, "n": "llama-ft"})["myModel"]["versions"]

    updated = gql.data(STATUS, {"hash": version["hash"], "status": "POD_REMOVED"})["updateModelVersionStatus"]
    assert updated["success"] is True
    assert updated["modelVersion"] == {**version, "status": "POD_REMOVED"}
    both = gql.data(STATUS, {"hash": version["hash"], "uuid": version["uuid"], "status": "READY"})
    assert both["updateModelVersionStatus"]["success"] is False

    [shown] = gql.client.get("/_sim/world").json()["models"]
    assert shown["versions"] == [{"uuid": version["uuid"], "status": "POD_REMOVED", "hash": version["hash"],
                                  "files": ["config.json"]}]

    removed = gql.data(REMOVE, {"input": {"owner": owner, "name": "llama-ft"}})["removeModelFromRepo"]
    assert removed == {"success": True, "message": "Model removed", "model": {"name": "llama-ft"}}
    assert gql.data(MODELS) == {"myModels": []}
    assert gql.data(MODEL, {"o": owner, "n": "llama-ft"}) == {"myModel": None}


def test_the_model_repository_needs_a_key(sim: RunPodSimulator) -> None:
    with httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim") as anonymous:
        response = anonymous.post("/graphql", json={"query": MODELS})
    assert response.status_code == 401
