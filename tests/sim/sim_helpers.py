"""Talking to the simulator as a client would: raw GraphQL documents with variables over httpx."""

from __future__ import annotations

from typing import Any

import httpx

API_KEY = "rpa_SIMTESTKEY"

POD_FIELDS = """
  id name desiredStatus podType costPerHr gpuCount imageName ports lastStatusChange uptimeSeconds
  containerDiskInGb volumeInGb networkVolumeId
  machine { gpuTypeId gpuDisplayName podHostId secureCloud dataCenterId location }
  runtime {
    uptimeInSeconds
    ports { ip isIpPublic privatePort publicPort type }
    gpus { id gpuUtilPercent memoryUtilPercent }
    container { cpuPercent memoryPercent }
  }
"""

CREATE_POD = f"""
mutation Create($input: PodFindAndDeployOnDemandInput!) {{
  podFindAndDeployOnDemand(input: $input) {{ {POD_FIELDS} }}
}}
"""

RENT_SPOT = f"""
mutation Rent($input: PodRentInterruptableInput!) {{
  podRentInterruptable(input: $input) {{ {POD_FIELDS} }}
}}
"""

GET_POD = f"""
query Pod($input: PodFilter!) {{
  pod(input: $input) {{ {POD_FIELDS} }}
}}
"""

LIST_PODS = f"query {{ myself {{ pods {{ {POD_FIELDS} }} }} }}"

STOP = "mutation Stop($input: PodStopInput!) { podStop(input: $input) { id desiredStatus runtime { uptimeInSeconds } } }"  # noqa: E501
RESUME = "mutation Resume($input: PodResumeInput!) { podResume(input: $input) { id desiredStatus costPerHr } }"
TERMINATE = "mutation Terminate($input: PodTerminateInput!) { podTerminate(input: $input) }"
ACCOUNT = "query { myself { id clientBalance currentSpendPerHr spendLimit spendDetails { gpuComputePerHour localStoragePerHour networkStoragePerHour } } }"  # noqa: E501


class GraphQL:
    """POSTs documents to /graphql; `data` insists on success, `errors` on a business error."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client

    def post(self, query: str, variables: dict[str, Any] | None = None) -> httpx.Response:
        return self.client.post("/graphql", json={"query": query, "variables": variables or {}})

    def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = self.post(query, variables)
        body = response.json()
        assert response.status_code == 200, body
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    def errors(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The whole 200 body of a refused request (``errors`` and ``data``)."""
        response = self.post(query, variables)
        body: dict[str, Any] = response.json()
        assert response.status_code == 200, body
        assert body.get("errors"), body
        return body

    def create_pod(self, **fields: Any) -> dict[str, Any]:
        spec = {"name": "test-pod", "imageName": "runpod/pytorch:2.4.0", "gpuTypeId": "NVIDIA RTX A4000",
                "cloudType": "SECURE", "ports": "22/tcp,8888/http", **fields}
        pod: dict[str, Any] = self.data(CREATE_POD, {"input": spec})["podFindAndDeployOnDemand"]
        return pod

    def pod(self, pod_id: str) -> dict[str, Any]:
        pod: dict[str, Any] = self.data(GET_POD, {"input": {"podId": pod_id}})["pod"]
        return pod

    def stop(self, pod_id: str) -> dict[str, Any]:
        result: dict[str, Any] = self.data(STOP, {"input": {"podId": pod_id}})["podStop"]
        return result

    def resume(self, pod_id: str, gpu_count: int = 1) -> dict[str, Any]:
        variables = {"input": {"podId": pod_id, "gpuCount": gpu_count}}
        result: dict[str, Any] = self.data(RESUME, variables)["podResume"]
        return result

    def ssh(self, pod_id: str) -> tuple[str, int]:
        runtime = self.pod(pod_id)["runtime"]
        assert runtime is not None
        port = next(p for p in runtime["ports"] if p["privatePort"] == 22)
        return port["ip"], port["publicPort"]
