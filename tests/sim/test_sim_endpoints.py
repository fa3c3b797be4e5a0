"""Templates, endpoint configuration (saveEndpoint's full replace) and network volumes."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest

from podwarden.clock import ManualClock
from podwarden.sim import RunPodSimulator, Scenario
from tests.sim.sim_helpers import API_KEY, GraphQL

SDK_TEMPLATE = """
    mutation {
        saveTemplate(
            input: {
                name: "t", imageName: "img", dockerArgs: "", containerDiskInGb: 10, volumeInGb: 0, ports: "", env: [], isServerless: true, containerRegistryAuthId : "", startSsh: true, isPublic: false, readme: ""
            }
        ) {
            id
            name
            imageName
            dockerArgs
            containerDiskInGb
            volumeInGb
            volumeMountPath
            ports
            env {
                key
                value
            }
            isServerless
        }
    }
"""  # noqa: E501

SDK_ENDPOINT = """
    mutation {
        saveEndpoint(
            input: {
                flashBootType: FLASHBOOT, name: "ep", templateId: "TEMPLATE", gpuIds: "AMPERE_16", networkVolumeId: "", locations: "", idleTimeout: 5, scalerType: "QUEUE_DELAY", scalerValue: 4, workersMin: 0, workersMax: 3, allowedCudaVersions: "12.4,12.5", gpuCount: 1
            }
        ) {
            id
            name
            templateId
            gpuIds
            networkVolumeId
            locations
            idleTimeout
            scalerType
            scalerValue
            workersMin
            workersMax
            allowedCudaVersions
            gpuCount
            flashBootType
        }
    }
"""  # noqa: E501

ENDPOINT_FIELDS = (
    "id name templateId workersMin workersMax idleTimeout scalerType scalerValue flashBootType "
    "executionTimeoutMs gpuIds"
)


def _template(gql: GraphQL) -> str:
    template_id: str = gql.data(SDK_TEMPLATE)["saveTemplate"]["id"]
    return template_id


def test_the_sdks_template_and_endpoint_documents_are_accepted(gql: GraphQL) -> None:
    template = gql.data(SDK_TEMPLATE)["saveTemplate"]
    endpoint = gql.data(SDK_ENDPOINT.replace("TEMPLATE", template["id"]))["saveEndpoint"]

    assert template == {
        "id": template["id"], "name": "t", "imageName": "img", "dockerArgs": "", "containerDiskInGb": 10,
        "volumeInGb": 0, "volumeMountPath": "/workspace", "ports": "", "env": [], "isServerless": True,
    }
    assert endpoint == {
        "id": endpoint["id"], "name": "ep", "templateId": template["id"], "gpuIds": "AMPERE_16",
        "networkVolumeId": "", "locations": "", "idleTimeout": 5, "scalerType": "QUEUE_DELAY",
        "scalerValue": 4, "workersMin": 0, "workersMax": 3, "allowedCudaVersions": "12.4,12.5", "gpuCount": 1,
        "flashBootType": "FLASHBOOT",
    }


def test_save_endpoint_with_an_id_replaces_every_field(sim: RunPodSimulator, gql: GraphQL) -> None:
    template = _template(gql)
    created = gql.data(f"""mutation {{ saveEndpoint(input: {{name: "ep", templateId: "{template}",
        gpuIds: "ADA_24", workersMin: 0, workersMax: 8, idleTimeout: 60, scalerType: "REQUEST_COUNT",
        scalerValue: 2, flashBootType: FLASHBOOT, executionTimeoutMs: 30000}}) {{ {ENDPOINT_FIELDS} }} }}""")
    endpoint_id = created["saveEndpoint"]["id"]

    updated = gql.data(f"""mutation {{ saveEndpoint(input: {{id: "{endpoint_id}", name: "ep",
        templateId: "{template}", workersMax: 5}}) {{ {ENDPOINT_FIELDS} }} }}""")["saveEndpoint"]

    assert updated == {
        "id": endpoint_id, "name": "ep", "templateId": template, "workersMin": 0, "workersMax": 5,
        "idleTimeout": 5, "scalerType": "QUEUE_DELAY", "scalerValue": 4, "flashBootType": "OFF",
        "executionTimeoutMs": 600000, "gpuIds": "AMPERE_16",
    }
    assert sim.world.endpoints[endpoint_id].version == 1


def test_update_endpoint_template_swaps_the_template(gql: GraphQL) -> None:
    first = _template(gql)
    second = gql.data(SDK_TEMPLATE.replace('name: "t"', 'name: "t2"'))["saveTemplate"]["id"]
    endpoint = gql.data(SDK_ENDPOINT.replace("TEMPLATE", first))["saveEndpoint"]["id"]

    result = gql.data(
        "mutation Mutation($input: UpdateEndpointTemplateInput) { updateEndpointTemplate("
        "input: $input) { id templateId } }",
        {"input": {"templateId": second, "endpointId": endpoint}},
    )

    assert result == {"updateEndpointTemplate": {"id": endpoint, "templateId": second}}


def test_an_endpoint_is_deleted_only_once_scaled_to_zero(sim: RunPodSimulator, gql: GraphQL) -> None:
    template = _template(gql)
    endpoint = gql.data(SDK_ENDPOINT.replace("TEMPLATE", template))["saveEndpoint"]["id"]

    refused = gql.errors(f'mutation {{ deleteEndpoint(id: "{endpoint}") }}')
    assert "workersMin and workersMax to 0" in refused["errors"][0]["message"]
    gql.data(f'mutation {{ saveEndpoint(input: {{id: "{endpoint}", name: "ep", templateId: "{template}", '
             f'workersMax: 0}}) {{ id }} }}')
    assert gql.data(f'mutation {{ deleteEndpoint(id: "{endpoint}") }}') == {"deleteEndpoint": None}
    assert sim.world.endpoints == {}


def test_template_names_are_unique_and_a_template_in_use_cannot_be_deleted(gql: GraphQL) -> None:
    template = _template(gql)
    assert "unique" in gql.errors(SDK_TEMPLATE)["errors"][0]["message"]
    gql.data(SDK_ENDPOINT.replace("TEMPLATE", template))

    assert "in use" in gql.errors('mutation { deleteTemplate(templateName: "t") }')["errors"][0]["message"]
    gql.data(SDK_TEMPLATE.replace('name: "t"', 'name: "spare"'))
    assert gql.data('mutation { deleteTemplate(templateName: "spare") }') == {"deleteTemplate": None}


def test_active_workers_count_against_the_spend_limit(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL],
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(spend_limit=5))
    gql = connect(sim)
    template = _template(gql)

    body = gql.errors(f'mutation {{ saveEndpoint(input: {{name: "big", templateId: "{template}", '
                      f'gpuIds: "HOPPER_141", workersMin: 3, workersMax: 3}}) {{ id }} }}')

    assert body["errors"][0]["message"].startswith("Spend limit exceeded")
    assert sim.world.endpoints == {}


@pytest.mark.parametrize("template", ['templateId: "OTHER"', 'template: {name: "inline", imageName: "img:2"}'])
def test_a_refused_update_changes_nothing(
    clock: ManualClock, connect: Callable[[RunPodSimulator], GraphQL], template: str,
) -> None:
    sim = RunPodSimulator(clock=clock, api_key=API_KEY, scenario=Scenario(spend_limit=5))
    gql = connect(sim)
    first = _template(gql)
    other = gql.data(SDK_TEMPLATE.replace('name: "t"', 'name: "t2"'))["saveTemplate"]["id"]
    endpoint_id = gql.data(SDK_ENDPOINT.replace("TEMPLATE", first))["saveEndpoint"]["id"]
    before = copy.deepcopy(sim.world.endpoints[endpoint_id])
    templates = dict(sim.world.templates)

    body = gql.errors(f'mutation {{ saveEndpoint(input: {{id: "{endpoint_id}", name: "renamed", '
                      f'{template.replace("OTHER", other)}, gpuIds: "HOPPER_141", idleTimeout: 60, '
                      f'workersMin: 3, workersMax: 3}}) {{ id }} }}')

    assert body["errors"][0]["message"].startswith("Spend limit exceeded")
    assert sim.world.endpoints[endpoint_id] == before
    assert sim.world.templates == templates


def test_network_volumes_pin_a_pod_to_their_data_center(sim: RunPodSimulator, gql: GraphQL) -> None:
    volume = gql.data("""mutation NetworkVolumeCreate($name: String, $size: Int, $dataCenterId: String) {
        createNetworkVolume(input: { name: $name, size: $size, dataCenterId: $dataCenterId }) {
          id name size dataCenterId } }""", {"name": "models", "size": 100, "dataCenterId": "EU-SE-1"})
    volume_id = volume["createNetworkVolume"]["id"]

    pod = gql.create_pod(cloudType="ALL", networkVolumeId=volume_id)

    assert pod["networkVolumeId"] == volume_id
    assert (pod["machine"]["dataCenterId"], pod["machine"]["location"]) == ("EU-SE-1", "SE")
    assert pod["machine"]["secureCloud"] is True  # network volumes live in Secure Cloud
    listed = gql.data("{ myself { networkVolumes { id name size dataCenterId } } }")
    assert listed["myself"]["networkVolumes"] == [volume["createNetworkVolume"]]
    attached = gql.errors(f'mutation {{ deleteNetworkVolume(input: {{id: "{volume_id}"}}) }}')
    assert "attached" in attached["errors"][0]["message"]
