"""What the simulator added for clients beside the SDK: behaviour behind the shapes tests/conformance checks.

Data centres and their stock, the cluster catalogue, Instant Clusters, CPU pods, registry
credentials, pod edits, official templates, and numbers written as RunPod writes them.
"""

from __future__ import annotations

import json
from decimal import Decimal

from podwarden.sim import RunPodSimulator
from tests.sim.sim_helpers import GraphQL

H100 = "NVIDIA H100 80GB HBM3"


def test_whole_floats_leave_as_json_integers_and_fractions_as_floats(gql: GraphQL) -> None:
    pod = gql.create_pod(gpuTypeId="NVIDIA A40")
    text = gql.post("query($i: PodFilter) { pod(input: $i) { memoryInGb vcpuCount costPerHr } }",
                    {"i": {"podId": pod["id"]}}).text
    assert '"memoryInGb": 31,' in text
    assert '"vcpuCount": 8,' in text
    assert json.loads(text)["data"]["pod"]["costPerHr"] == 0.4


def test_lowest_price_follows_the_data_centre_or_country_asked_for(gql: GraphQL) -> None:
    query = """query($l: GpuLowestPriceInput) { gpuTypes(input: {id: "NVIDIA L4"}) {
                 lowestPrice(input: $l) { stockStatus countryCode uninterruptablePrice } } }"""

    def lowest(**args: object) -> dict[str, object]:
        [gpu] = gql.data(query, {"l": {"gpuCount": 1, **args}})["gpuTypes"]
        found: dict[str, object] = gpu["lowestPrice"]
        return found

    assert lowest(secureCloud=True, dataCenterId="EU-RO-1")["stockStatus"] == "High"
    assert lowest(secureCloud=True, dataCenterId="EU-CZ-1")["stockStatus"] is None  # a community DC
    assert lowest(secureCloud=True, dataCenterId="US-OR-1")["stockStatus"] is None  # not listed
    assert lowest(secureCloud=False, countryCode="CZ")["stockStatus"] is None  # L4: no community offer
    assert lowest(secureCloud=False, countryCode="CZ")["countryCode"] == "CZ"
    assert gql.data(query, {"l": None})["gpuTypes"][0]["lowestPrice"]["uninterruptablePrice"] == 0.43


def test_data_centres_report_the_stock_of_their_cloud(sim: RunPodSimulator, gql: GraphQL) -> None:
    sim.world.gpu_types["NVIDIA A40"].free.update({"SECURE": 2, "COMMUNITY": 0})
    centres = {dc["id"]: dc for dc in gql.data(
        "{ dataCenters { id listed gpuAvailability { gpuTypeId stockStatus available } } }")["dataCenters"]}

    secure = {a["gpuTypeId"]: a for a in centres["EU-RO-1"]["gpuAvailability"]}
    community = {a["gpuTypeId"]: a for a in centres["EU-CZ-1"]["gpuAvailability"]}
    assert secure["NVIDIA A40"] == {"gpuTypeId": "NVIDIA A40", "stockStatus": "Low", "available": True}
    assert community["NVIDIA A40"]["available"] is False
    assert "NVIDIA L4" not in community  # not offered in Community Cloud
    assert centres["US-OR-1"]["listed"] is False


def test_the_cluster_filter_keeps_cluster_offers_only(gql: GraphQL) -> None:
    query = "query($f: GpuTypeFilter) { gpuTypes(input: $f) { id clusterPrice nodeGroupDatacenters { id } } }"
    clusters = gql.data(query, {"f": {"cluster": True}})["gpuTypes"]
    everything = gql.data(query, {"f": {"cluster": False}})["gpuTypes"]

    assert {g["id"] for g in clusters} == {H100, "NVIDIA H200", "NVIDIA B200", "NVIDIA A100-SXM4-80GB"}
    assert all(g["clusterPrice"] and g["nodeGroupDatacenters"] for g in clusters)
    assert len(everything) == len(gql.data("{ gpuTypes { id } }")["gpuTypes"]) > len(clusters)


def test_a_cluster_rents_its_pods_together_and_deleting_it_gives_the_gpus_back(
    sim: RunPodSimulator, gql: GraphQL,
) -> None:
    create = """mutation { createCluster(input: {clusterName: "c", gpuTypeId: "NVIDIA H100 80GB HBM3",
                 podCount: 2, gpuCountPerPod: 8, type: TRAINING, imageName: "img", dataCenterId: "US-KS-2"})
                 { id pods { id clusterIp costPerHr machine { dataCenterId } } } }"""
    cluster = gql.data(create)["createCluster"]

    assert [p["clusterIp"] for p in cluster["pods"]] == ["10.65.0.2", "10.65.0.3"]
    assert {p["machine"]["dataCenterId"] for p in cluster["pods"]} == {"US-KS-2"}
    assert all(p["costPerHr"] == 21.52 for p in cluster["pods"])  # 8 x the cluster price 2.69
    assert sim.world.gpu_types[H100].free["SECURE"] == 0
    assert sim.world.current_spend_per_hour() >= Decimal("43.04")

    delete = "mutation($i: DeleteClusterInput) { deleteCluster(input: $i) }"
    assert gql.data(delete, {"i": {"id": cluster["id"]}}) == {"deleteCluster": True}
    assert sim.world.pods == {}
    assert sim.world.gpu_types[H100].free["SECURE"] == 16
    [error] = gql.errors(delete, {"i": {"id": cluster["id"]}})["errors"]
    assert error["extensions"]["code"] == "Cluster not found"


def test_a_cluster_outside_its_node_groups_is_refused(sim: RunPodSimulator, gql: GraphQL) -> None:
    create = """mutation { createCluster(input: {clusterName: "c", gpuTypeId: "NVIDIA H100 80GB HBM3",
                 podCount: 2, gpuCountPerPod: 8, type: TRAINING, imageName: "img", dataCenterId: "CA-MTL-1"})
                 { id } }"""
    assert "no longer any instances" in gql.errors(create)["errors"][0]["message"]
    assert sim.world.pods == {}


def test_a_cpu_pod_bills_per_vcpu_and_boots_with_ssh(sim: RunPodSimulator, gql: GraphQL) -> None:
    deploy = """mutation { deployCpuPod(input: {instanceId: "cpu3g-4-16", imageName: "ubuntu",
                 cloudType: SECURE, dataCenterId: "EU-RO-1", ports: "22/tcp"}) { id gpuCount vcpuCount memoryInGb
                 costPerHr machineType machine { gpuTypeId } } }"""
    pod = gql.data(deploy)["deployCpuPod"]

    assert (pod["gpuCount"], pod["vcpuCount"], pod["memoryInGb"]) == (0, 4, 16)
    assert pod["costPerHr"] == 0.16  # 4 vCPUs x $0.04
    assert (pod["machineType"], pod["machine"]["gpuTypeId"]) == ("CPU", None)
    sim.advance(60)
    assert gql.ssh(pod["id"])[1] >= 10000
    for bad in ("cpu9x-2-4", "cpu3g-64-256"):
        query = f'mutation {{ deployCpuPod(input: {{instanceId: "{bad}", imageName: "u"}}) {{ id }} }}'
        assert "Unknown CPU instance" in gql.errors(query)["errors"][0]["message"]


def test_cpu_flavour_prices_scale_with_the_instance_and_not_in_community_cloud(gql: GraphQL) -> None:
    query = """query($i: CpuSpecificsInput) { cpuFlavors(input: {id: "cpu3c"}) {
                 id minVcpu specifics(input: $i) { stockStatus securePrice } } }"""

    def specifics(**args: str) -> dict[str, object]:
        [flavor] = gql.data(query, {"i": args})["cpuFlavors"]
        found: dict[str, object] = flavor["specifics"]
        return found

    assert specifics(dataCenterId="EU-RO-1") == {"stockStatus": "High", "securePrice": 0.06}
    assert specifics(dataCenterId="EU-RO-1", instanceId="cpu3c-8-16")["securePrice"] == 0.24
    assert specifics(dataCenterId="EU-CZ-1")["stockStatus"] is None


def test_registry_credentials_are_listed_and_cannot_be_deleted_while_a_pod_uses_them(gql: GraphQL) -> None:
    save = 'mutation { saveRegistryAuth(input: {name: "ghcr", username: "me", password: "pw"}) { id name } }'
    auth = gql.data(save)["saveRegistryAuth"]
    listed = gql.data("{ myself { containerRegistryCreds { id name registryUsername } } }")
    assert listed["myself"]["containerRegistryCreds"] == [{**auth, "registryUsername": "me"}]
    pod = gql.create_pod(containerRegistryAuthId=auth["id"])

    delete = f'mutation {{ deleteRegistryAuth(registryAuthId: "{auth["id"]}") }}'
    assert "in use" in gql.errors(delete)["errors"][0]["message"]
    edit = f'mutation {{ podEditJob(input: {{podId: "{pod["id"]}", containerRegistryAuthId: ""}}) {{ id }} }}'
    gql.data(edit)
    assert gql.data(delete) == {"deleteRegistryAuth": None}
    assert gql.data("{ myself { containerRegistryCreds { id } } }")["myself"]["containerRegistryCreds"] == []


def test_editing_a_running_pod_restarts_it_with_the_new_settings(sim: RunPodSimulator, gql: GraphQL) -> None:
    pod = gql.create_pod(ports="22/tcp")
    sim.advance(60)
    before = gql.ssh(pod["id"])
    edit = """mutation($i: PodEditJobInput) { podEditJob(input: $i) { imageName ports runtime { uptimeInSeconds } } }"""
    edited = gql.data(edit, {"i": {"podId": pod["id"], "imageName": "new:2", "ports": "22/tcp,8000/http"}})

    assert edited["podEditJob"] == {"imageName": "new:2", "ports": "22/tcp,8000/http", "runtime": None}
    sim.advance(60)
    assert gql.ssh(pod["id"]) != before
    assert sim.world.gpu_types["NVIDIA RTX A4000"].free["SECURE"] == 23  # one GPU held, not two


def test_official_templates_are_listed_by_filter_and_readable_by_id(gql: GraphQL) -> None:
    query = "query($i: PodTemplateInput) { podTemplates(input: $i) { id isRunpod isPublic } }"
    official = gql.data(query, {"i": {"isRunpod": True}})["podTemplates"]
    assert {t["id"] for t in official} == {"runpod-torch-v240", "runpod-ubuntu"}
    assert gql.data(query, {"i": {"isRunpod": False}})["podTemplates"] == []
    assert len(gql.data(query, {"i": None})["podTemplates"]) == 2

    one = "query($id: String) { podTemplate(id: $id) { name portsConfig { port name } } }"
    assert gql.data(one, {"id": "runpod-torch-v240"})["podTemplate"]["portsConfig"] == [
        {"port": "8888", "name": "Jupyter Lab"}]
    assert gql.data(one, {"id": "nope"}) == {"podTemplate": None}


def test_a_saved_template_keeps_its_port_labels(gql: GraphQL) -> None:
    save = """mutation($i: SaveTemplateInput) { saveTemplate(input: $i) { id portsConfig { port name } } }"""
    template = {"name": "t", "imageName": "img", "containerDiskInGb": 10, "dockerArgs": "", "env": [],
                "volumeInGb": 0, "ports": "8888/http", "portsConfig": [{"port": "8888", "name": "Notebook"}]}
    saved = gql.data(save, {"i": template})["saveTemplate"]
    assert saved["portsConfig"] == [{"port": "8888", "name": "Notebook"}]


def test_the_user_has_an_auth_id(sim: RunPodSimulator, gql: GraphQL) -> None:
    me = gql.data("{ myself { id authId } }")["myself"]
    assert me["authId"].startswith("auth0|")
    assert me["id"] == sim.world.user_id
