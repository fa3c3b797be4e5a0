"""The GraphQL documents Podwarden sends to RunPod, as constants.

Every value travels in ``variables``; nothing is ever formatted into these strings, so a
pod name cannot break (or inject into) a document. Variables are declared non-null
(``$input: PodFilter!``): a non-null variable is accepted wherever the schema's argument
is nullable or not, whereas a nullable one would be rejected where RunPod requires a value.

Field choices follow the generated schema of RunPod's Pulumi provider (reference §3.4):
the pod's GPU type and cloud come from ``machine { gpuTypeId secureCloud }`` because
``Pod`` has no such fields of its own; runtime telemetry is selected in the same request
as the pod list, so the daemon reads the whole fleet in one round trip.
"""

from __future__ import annotations

POD_FIELDS = """
fragment PodFields on Pod {
  id
  name
  desiredStatus
  podType
  costPerHr
  adjustedCostPerHr
  gpuCount
  vcpuCount
  memoryInGb
  imageName
  templateId
  containerDiskInGb
  volumeInGb
  volumeMountPath
  networkVolumeId
  ports
  env
  machineId
  uptimeSeconds
  machine {
    gpuTypeId
    gpuDisplayName
    podHostId
    secureCloud
  }
  runtime {
    uptimeInSeconds
    ports { ip isIpPublic privatePort publicPort type }
    gpus { id gpuUtilPercent memoryUtilPercent }
    container { cpuPercent memoryPercent }
  }
}
"""

ENDPOINT_FIELDS = """
fragment EndpointFields on Endpoint {
  id
  name
  templateId
  gpuIds
  gpuCount
  workersMin
  workersMax
  workersStandby
  idleTimeout
  scalerType
  scalerValue
  flashBootType
  executionTimeoutMs
  networkVolumeId
  locations
  env { key value }
}
"""

LIST_PODS = """
query ListPods {
  myself {
    pods { ...PodFields }
  }
}
""" + POD_FIELDS

GET_POD = """
query GetPod($input: PodFilter!) {
  pod(input: $input) { ...PodFields }
}
""" + POD_FIELDS

GPU_TYPES = """
query GpuTypes($secure: GpuLowestPriceInput!, $community: GpuLowestPriceInput!) {
  gpuTypes {
    id
    displayName
    manufacturer
    memoryInGb
    maxGpuCount
    secureCloud
    communityCloud
    securePrice
    communityPrice
    secureSpotPrice
    communitySpotPrice
    secureLowest: lowestPrice(input: $secure) {
      stockStatus minimumBidPrice uninterruptablePrice availableGpuCounts
    }
    communityLowest: lowestPrice(input: $community) {
      stockStatus minimumBidPrice uninterruptablePrice availableGpuCounts
    }
  }
}
"""

GPU_BID = """
query GpuBid($filter: GpuTypeFilter!, $lowest: GpuLowestPriceInput!) {
  gpuTypes(input: $filter) {
    id
    secureSpotPrice
    communitySpotPrice
    lowestPrice(input: $lowest) { minimumBidPrice stockStatus }
  }
}
"""

CREATE_POD = """
mutation CreatePod($input: PodFindAndDeployOnDemandInput!) {
  podFindAndDeployOnDemand(input: $input) { ...PodFields }
}
""" + POD_FIELDS

RENT_SPOT_POD = """
mutation RentSpotPod($input: PodRentInterruptableInput!) {
  podRentInterruptable(input: $input) { ...PodFields }
}
""" + POD_FIELDS

STOP_POD = """
mutation StopPod($input: PodStopInput!) {
  podStop(input: $input) { ...PodFields }
}
""" + POD_FIELDS

RESUME_POD = """
mutation ResumePod($input: PodResumeInput!) {
  podResume(input: $input) { ...PodFields }
}
""" + POD_FIELDS

BID_RESUME_POD = """
mutation BidResumePod($input: PodBidResumeInput!) {
  podBidResume(input: $input) { ...PodFields }
}
""" + POD_FIELDS

TERMINATE_POD = """
mutation TerminatePod($input: PodTerminateInput!) {
  podTerminate(input: $input)
}
"""

ACCOUNT = """
query Account {
  myself {
    id
    email
    pubKey
    clientBalance
    currentSpendPerHr
    spendLimit
  }
}
"""

TEMPLATE_FIELDS = """
fragment TemplateFields on PodTemplate {
  id
  name
  imageName
  isServerless
  containerDiskInGb
  volumeInGb
  env { key value }
}
"""

SAVE_TEMPLATE = """
mutation SaveTemplate($input: SaveTemplateInput!) {
  saveTemplate(input: $input) { ...TemplateFields }
}
""" + TEMPLATE_FIELDS

LIST_TEMPLATES = """
query ListTemplates {
  myself {
    podTemplates { ...TemplateFields }
  }
}
""" + TEMPLATE_FIELDS

LIST_ENDPOINTS = """
query ListEndpoints {
  myself {
    endpoints { ...EndpointFields }
  }
}
""" + ENDPOINT_FIELDS

SAVE_ENDPOINT = """
mutation SaveEndpoint($input: EndpointInput!) {
  saveEndpoint(input: $input) { ...EndpointFields }
}
""" + ENDPOINT_FIELDS

NETWORK_VOLUMES = """
query NetworkVolumes {
  myself {
    networkVolumes { id name size dataCenterId }
  }
}
"""
