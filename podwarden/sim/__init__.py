"""A RunPod simulator that speaks RunPod's real APIs: GraphQL, REST v2 and the Serverless runtime.

    sim = RunPodSimulator(clock=ManualClock(), api_key="rpa_test", seed=1)
    client = httpx.Client(transport=httpx.MockTransport(sim), base_url="http://runpod.sim")
    sim.faults.add(route="graphql:podFindAndDeployOnDemand", kind=FaultKind.SERVER_ERROR_AFTER, count=1)
    sim.advance(3600)          # boots, evictions, billing, Serverless jobs
    sim.world.pods, sim.world.balance, sim.requests

`podwarden.sim.server` serves the same object on loopback for the official SDK, the
demo, curl, and the other clients whose documents tests/conformance replays (dstack,
gpuhunt, runpodctl, SkyPilot). Modules: `world` (state and time), `pods`, `serverless`,
`resources` (templates, endpoints, volumes), `billing`, `catalog`, `locations` (data
centres, cluster node groups), `cpu` (CPU flavours and pods), `clusters`, `registry`, `hub`
(the RunPod Hub's listings), `model_repo` (the model repository), `workload`, `faults`,
`graphql_api` + `schema.graphql`, `rest_api` (REST v2: `rest_calls`, `rest_pods`,
`rest_resources`, `rest_billing`, `rest_views`), `serverless_api`, `admin`, `app` (the callable),
`scenario`, `server`.
"""

from __future__ import annotations

from podwarden.sim.app import RunPodSimulator, ServedRequest
from podwarden.sim.faults import Fault, FaultKind, FaultPlan
from podwarden.sim.scenario import Scenario
from podwarden.sim.serverless import JobResult
from podwarden.sim.world import World

__all__ = [
    "Fault", "FaultKind", "FaultPlan", "JobResult", "RunPodSimulator", "Scenario", "ServedRequest", "World",
]
