"""`RestRunPod`: the `RunPodGateway` port over RunPod's REST v2 API (``/v2/...``).

RunPod retires GraphQL in early 2027 and has already retired REST v1; v2 is the successor.
This adapter answers with the same domain values as `GraphQLRunPod` (the contract suite,
tests/adapters/runpod/test_runpod_contract.py, holds both to it), so switching is the
setting ``PODWARDEN_RUNPOD_API=rest``.

====================  =========================================  ===============================
port method           REST v2                                    retried as over GraphQL
====================  =========================================  ===============================
list_pods, get_pod    GET /pods?includeClusterPods=true,         reads
                      GET /pods/{id}
create_pod            POST /pods (tagged ``PODWARDEN_REQUEST``)  never sent twice (`_create`)
stop_pod              POST /pods/{id}/action ``stop``            reconciled by reading the pod
resume_pod            POST /pods/{id}/action ``start``           reconciled by reading the pod
terminate_pod         POST /pods/{id}/action ``terminate``       404, or 409 and the pod gone,
                                                                 after a maybe-done try: ok
gpu_types             GET /catalog/gpus?include=AVAILABILITY     reads
                      &product=POD (+ GraphQL, see below)
network_volumes       GET /network-volumes                       reads
save_template         POST /templates (found again by name)      never sent twice
list_endpoints        GET /serverless                            reads
save_endpoint         POST /serverless (tagged), PATCH           create never sent twice;
                      /serverless/{id} (scaling settings only)   update idempotent
====================  =========================================  ===============================

**What stays on GraphQL.** RunPod's own migration guide lists what v2 has no equivalent for:
the account (``myself { clientBalance currentSpendPerHr spendLimit }``) and spot
(interruptible) pods (``podRentInterruptable``, ``podBidResume``). So `RestRunPod` is given
a `GraphQLRunPod` and hands it exactly these: `account`, `create_pod` of a spot spec,
`resume_pod` of a spot pod or with a bid, whether a pod is spot at all (v2's Pod does not
say: `list_pods`, `get_pod` and `stop_pod` take ``podType`` from GraphQL; if GraphQL fails
there the pods are still returned, logged, reading as on-demand, and `resume_pod` refuses
rather than guess), and in `gpu_types` the spot prices and the GPU
counts one pod can have (``availableGpuCounts``; if GraphQL fails there, the catalog is
returned without spot offers and with every count up to ``maxCount``, logged). It owns that
adapter: `close()` closes both.

**Limits of v2.** ``start`` resumes a pod with the GPU count it had: `resume_pod` asked for
another count raises `BadRequest` saying so (before anything is sent) rather than resume
with a count the caller did not ask for. v2 has no "any cloud": a spec for `Cloud.ALL` tries
the clouds cheapest first (see `create_pod`). v2 reports no GPU display name on a pod: it is
taken from the catalog (read once, and again with every `gpu_types`; a pod read does not
fail for want of it). Nor does v2 report a machine id, or a booting pod's uptime. An
Instant Cluster's pods are listed, but stopped, started or terminated only with their
cluster: v2 answers 409 to the pod's actions (UNVERIFIED beyond V2's ``Pod.cluster`` text).

**Errors.** v2 answers ``application/problem+json`` (``title``, ``status``, ``detail``,
optional ``errors``); statuses map as everywhere (`errors.error_for_status`): 401/403
Unauthorized (but a 403 to a pod create is BadRequest with RunPod's detail: v2 answers it
for "no access to this pool", not for a bad key), 402 InsufficientBalance, 404 NotFound,
409 (an action the pod's status does not allow; but stopping a stopped pod, or starting a
running one, answers the pod, as GraphQL does) and 422 BadRequest with RunPod's detail,
429 RateLimited with Retry-After, 5xx ServerError (retried). A 400 is RunPod's refusal for
lack of capacity as well as a bad request, with no code to tell them apart and only a
human-readable detail: `create_pod` for any cloud therefore moves to the next cloud after
any 400, and elsewhere a 400 is NoCapacity only if its words are GraphQL's for it
(`errors.refine_refusal`; UNVERIFIED: v2 documents no wording); a 402 may be the spend
limit as well as the balance, which the text decides the same way.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, SecretStr

from podwarden.adapters.runpod.errors import refine_refusal
from podwarden.adapters.runpod.graphql import GraphQLRunPod
from podwarden.adapters.runpod.inputs import new_request_token, request_token
from podwarden.adapters.runpod.mutations import MutatingAdapter, Step
from podwarden.adapters.runpod.rest_catalog_models import (
    RestGpuListModel,
    RestGpuTypeModel,
    RestNetworkVolumeListModel,
)
from podwarden.adapters.runpod.rest_inputs import endpoint_body, pod_body, template_body
from podwarden.adapters.runpod.rest_models import RestPodListModel, RestPodModel
from podwarden.adapters.runpod.rest_serverless_models import (
    RestEndpointListModel,
    RestEndpointModel,
    RestTemplateListModel,
    RestTemplateModel,
)
from podwarden.adapters.runpod.retry import Deadline, RetryPolicy
from podwarden.domain.models import (
    Account,
    Cloud,
    Endpoint,
    EndpointSpec,
    GpuType,
    NetworkVolume,
    Pod,
    PodSpec,
    PodStatus,
    Template,
    TemplateSpec,
)
from podwarden.errors import BadRequest, InsufficientBalance, NoCapacity, NotFound, RunPodError, Unauthorized

__all__ = ["RestRunPod"]

log = logging.getLogger("podwarden.runpod")

NAMES_RETRY_SECONDS = 300  # after a failed catalog read for pods' GPU names, the next try

M = TypeVar("M", bound=BaseModel)


class RestRunPod(MutatingAdapter):
    """RunPod's management API over REST v2, with `graphql` for what v2 lacks (see the module
    docstring). One connection pool per API; close it."""

    URL_SETTING = "PODWARDEN_RUNPOD_REST_URL"

    def __init__(
        self,
        *,
        url: str,
        api_key: SecretStr | str,
        graphql: GraphQLRunPod,
        timeout: float = 30,
        retry: RetryPolicy | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(url=url, api_key=api_key, timeout=timeout, retry=retry, transport=transport)
        self._graphql = graphql
        self._gpu_names: dict[str, str] = {}  # GPU type id -> display name, from the catalog
        self._names_read = False
        self._names_failed_at: float | None = None  # on the retry clock

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._graphql.close()

    # --- pods --------------------------------------------------------------------------

    def list_pods(self) -> list[Pod]:
        """v2's pods, each marked spot or not as GraphQL says (see `_with_spot`)."""
        pods = self._run("list_pods", lambda d: self._list_pods_once("list_pods", d))
        return self._with_spot(pods, "list_pods", self._graphql.list_pods)

    def get_pod(self, pod_id: str) -> Pod:
        """v2's pod, marked spot or not as GraphQL says (see `_with_spot`)."""
        pod = self._run("get_pod", lambda d: self._get_pod_once(pod_id, "get_pod", d))
        [marked] = self._with_spot([pod], "get_pod", lambda: [self._graphql.get_pod(pod_id)])
        return marked

    def _with_spot(self, pods: list[Pod], operation: str, read: Callable[[], list[Pod]]) -> list[Pod]:
        """`pods` with `Pod.spot` from GraphQL's ``podType`` (`read`): v2 has no spot pods and
        its Pod says nothing of it, though RunPod still rents them over GraphQL.

        If GraphQL cannot answer, the pods are returned as v2 gave them and it is logged:
        a fleet read does not fail for it. Their ``spot`` is then unknown, which the domain
        `Pod` can only write as False; `resume_pod` therefore asks GraphQL itself and refuses
        without an answer."""
        if not pods:
            return pods
        try:
            spot = {pod.id: pod.spot for pod in read()}
        except RunPodError as exc:
            log.warning("%s: whether the pods are spot pods is unknown (GraphQL, which alone says, failed: "
                        "%s); they read as on-demand", operation, exc)
            return pods
        missing = [pod.id for pod in pods if pod.id not in spot]
        if missing:
            log.warning("%s: GraphQL does not list pod(s) %s; they read as on-demand", operation,
                        ", ".join(missing))
        return [replace(pod, spot=spot.get(pod.id, False)) for pod in pods]

    def _spot_known(self, pod_id: str, operation: str) -> bool:
        """Whether the pod is a spot pod, from GraphQL; its error (reworded) if it cannot say."""
        try:
            return self._graphql.get_pod(pod_id).spot
        except RunPodError as exc:
            refused = copy.copy(exc)
            refused.message = (f"cannot tell whether pod {pod_id} is a spot pod, so it is not resumed "
                               f"(RunPod's GraphQL, which alone says, answered: {exc.message})")
            refused.operation = operation
            raise refused from exc

    def create_pod(self, spec: PodSpec) -> Pod:
        """Create a pod; whatever the network does, one call makes at most one pod.

        The idempotency contract is `GraphQLRunPod.create_pod`'s: the pod's env carries
        ``PODWARDEN_REQUEST=<token>`` (the caller's, if `spec.env` has one, looked for before
        anything is sent). A spot spec is created over GraphQL: v2 has no interruptible pods.

        v2 has no "any cloud": for `Cloud.ALL` the clouds that offer the GPU are tried cheapest
        first (Secure Cloud alone with a network volume, which lives there), so the pod costs
        what a quote for any cloud said, as when GraphQL lets RunPod choose. The next cloud is
        tried after any plain 400: v2 says "no capacity" with a 400 and a human-readable
        detail only, and advises trying the next candidate on a 400 (`createPod`'s
        description); a 400 made nothing, so this never makes two pods. A 422 (the request
        itself is wrong) or any other refusal is raised at once; after the last cloud its
        refusal is raised.
        """
        if spec.spot:
            return self._graphql.create_pod(spec)
        token, supplied = request_token(spec.env)
        if spec.cloud is not Cloud.ALL:
            return self._create_pod_in(spec, token, look_first=supplied)
        *first, last = self._clouds_for(spec)
        for index, cloud in enumerate(first):
            try:
                return self._create_pod_in(replace(spec, cloud=cloud), token, look_first=supplied and index == 0)
            except (NoCapacity, BadRequest) as exc:
                if isinstance(exc, BadRequest) and exc.status != 400:
                    raise
                log.info("create_pod: %s cloud refused %s (%s); trying %s cloud", cloud.value.lower(),
                         spec.gpu_type_id, exc.message, last.value.lower() if index == len(first) - 1
                         else first[index + 1].value.lower())
        return self._create_pod_in(replace(spec, cloud=last), token, look_first=supplied and not first)

    def _create_pod_in(self, spec: PodSpec, token: str, *, look_first: bool) -> Pod:
        """`create_pod` in `spec.cloud` (SECURE or COMMUNITY), never made twice."""
        operation = "create_pod"
        body = pod_body(spec, request=token)

        def send(d: Deadline) -> Pod:
            return self._pod(self._call("POST", "pods", RestPodModel, operation=operation, deadline=d,
                                        json_body=body), d, operation)

        return self._create(operation, send, lambda d: self._pod_of_request(token, operation, d), what="pod",
                            request=token, look_first=look_first, deadline=self._retry.deadline())

    def _clouds_for(self, spec: PodSpec) -> list[Cloud]:
        """The clouds offering `spec`'s GPU on demand, cheapest first (v2's catalog)."""
        clouds = (Cloud.SECURE,) if spec.network_volume_id else (Cloud.SECURE, Cloud.COMMUNITY)

        def once(d: Deadline) -> list[Cloud]:
            gpus = [gpu.to_domain() for gpu in self._catalog_models(d, "create_pod") if gpu.id == spec.gpu_type_id]
            if not gpus:
                return [Cloud.SECURE]  # RunPod says what is wrong with the GPU type
            priced = [(price, rank, cloud) for rank, cloud in enumerate(clouds)
                      if (price := gpus[0].price(cloud)) is not None]
            return [cloud for _, _, cloud in sorted(priced)] or [Cloud.SECURE]

        return self._run("create_pod", once)

    def stop_pod(self, pod_id: str) -> Pod:
        operation = "stop_pod"
        pod = self._idempotent(operation, lambda d: self._action(pod_id, "stop", PodStatus.EXITED, operation, d),
                               reconcile=lambda d: self._pod_if(pod_id, PodStatus.EXITED, operation, d))
        [marked] = self._with_spot([pod], operation, lambda: [self._graphql.get_pod(pod_id)])
        return marked

    def resume_pod(self, pod_id: str, *, gpu_count: int, bid_per_gpu: Decimal | None = None) -> Pod:
        """Resume a stopped pod with the GPU count it had (v2's ``start`` cannot change it).

        With a bid, or for a spot pod, this is GraphQL's ``podBidResume``/``podResume``. Only
        GraphQL says whether a pod is spot: if it cannot answer, nothing is resumed (its error
        is raised, reworded): a spot pod resumed with v2's ``start`` would not be one.
        """
        operation = "resume_pod"
        if bid_per_gpu is not None:
            return self._graphql.resume_pod(pod_id, gpu_count=gpu_count, bid_per_gpu=bid_per_gpu)
        current = self._run(operation, lambda d: self._get_pod_once(pod_id, operation, d))
        if self._spot_known(pod_id, operation):
            return self._graphql.resume_pod(pod_id, gpu_count=gpu_count)
        if current.gpu_count and gpu_count != current.gpu_count:
            raise BadRequest(
                f"RunPod's REST v2 API cannot change a pod's GPU count on resume: pod {pod_id} has "
                f"{current.gpu_count} GPU(s) and {gpu_count} were asked for; resume it with "
                f"{current.gpu_count}, or create a new pod", operation=operation)
        return self._idempotent(operation, lambda d: self._action(pod_id, "start", PodStatus.RUNNING, operation, d),
                                reconcile=lambda d: self._pod_if(pod_id, PodStatus.RUNNING, operation, d))

    def terminate_pod(self, pod_id: str) -> None:
        """Terminate a pod. NotFound on a retry after an attempt that may have gone through is
        success: that attempt terminated it; so is a 409 (no action is allowed on a TERMINATED
        pod) if the pod then reads TERMINATED or is not found.

        The ``terminate`` action (v2 calls it DELETE's equivalent). An Instant Cluster's pod is
        refused (409, RunPod's detail raised as BadRequest): it is managed with its cluster."""
        operation = "terminate_pod"
        self._terminate(operation, pod_id, lambda d: self._send(
            "POST", f"pods/{_segment(pod_id)}/action", operation=operation, deadline=d,
            json_body={"action": "terminate"}), gone=lambda d: self._gone(pod_id, operation, d))

    def _gone(self, pod_id: str, operation: str, deadline: Deadline) -> bool:
        """The pod is terminated or not there (after a terminate whose retry got a 409)."""
        try:
            self._get_pod_once(pod_id, operation, deadline)
        except NotFound:
            return True
        return False

    # --- catalog, account --------------------------------------------------------------

    def gpu_types(self, *, gpu_count: int = 1) -> list[GpuType]:
        """The v2 catalog (on-demand prices and stock per GPU), with GraphQL's spot prices."""

        gpus = self._run("gpu_types", lambda d: self._catalog(d, "gpu_types", gpu_count=gpu_count))
        self._gpu_names.update((gpu.id, gpu.display_name) for gpu in gpus)
        self._names_read = True
        return _with_graphql_facts(gpus, self._graphql_catalog(gpu_count))

    def account(self) -> Account:
        """Over GraphQL: v2 has no account balance, spend rate or spend limit."""
        return self._graphql.account()

    def network_volumes(self) -> list[NetworkVolume]:
        def once(d: Deadline) -> list[NetworkVolume]:
            data = self._call("GET", "network-volumes", RestNetworkVolumeListModel, operation="network_volumes",
                              deadline=d)
            return [volume.to_domain() for volume in data.network_volumes]

        return self._run("network_volumes", once)

    # --- templates, endpoints ----------------------------------------------------------

    def save_template(self, spec: TemplateSpec) -> Template:
        """Create a template; names are unique per account, so the name finds it again."""
        operation = "save_template"
        body = template_body(spec)

        def send(d: Deadline) -> Template:
            return self._call("POST", "templates", RestTemplateModel, operation=operation, deadline=d,
                              json_body=body).to_domain()

        def find(d: Deadline) -> Template | None:
            data = self._call("GET", "templates", RestTemplateListModel, operation=operation, deadline=d)
            found = [t for t in data.templates if t.name == spec.name]
            return found[0].to_domain() if found else None

        return self._create(operation, send, find, what="template", request=None,
                            deadline=self._retry.deadline())

    def list_endpoints(self) -> list[Endpoint]:
        return self._run("list_endpoints", lambda d: [
            endpoint.to_domain() for endpoint in self._list_endpoints_once("list_endpoints", d)])

    def save_endpoint(self, spec: EndpointSpec) -> Endpoint:
        """Create (no `spec.id`, tagged like a pod and never duplicated) or update an endpoint:
        a PATCH of its scaling settings only (`rest_inputs.endpoint_body`), so `spec.template_id`
        is not needed for an update (v2's endpoints do not report one)."""
        operation = "save_endpoint"

        def send_body(method: str, path: str, body: Mapping[str, object]) -> Step[Endpoint]:
            def send(d: Deadline) -> Endpoint:
                return self._call(method, path, RestEndpointModel, operation=operation, deadline=d,
                                  json_body=dict(body)).to_domain()
            return send

        if spec.id is not None:
            update = send_body("PATCH", f"serverless/{_segment(spec.id)}", endpoint_body(spec))

            def send_update(d: Deadline) -> Endpoint:
                try:
                    return update(d)
                except NotFound as exc:  # "resource not found" does not say which
                    raise NotFound(f"endpoint {spec.id} not found", status=exc.status, operation=operation) from None

            return self._idempotent(operation, send_update)
        token = new_request_token()
        return self._create(operation, send_body("POST", "serverless", endpoint_body(spec, request=token)),
                            lambda d: self._endpoint_of_request(token, operation, d),
                            what="endpoint", request=token, deadline=self._retry.deadline())

    # --- single attempts ---------------------------------------------------------------

    def _send(
        self, method: str, path: str, *, operation: str, deadline: Deadline, json_body: object = None,
        params: Mapping[str, str | int] | None = None,
    ) -> httpx.Response:
        """One request; a 400 or 402 that is RunPod's capacity or spend-limit refusal raised as
        that; a 403 to a create is a refusal in RunPod's words, not a bad key (v2: "no access
        to this pool")."""
        try:
            return self._http.send(method, path, operation=operation, deadline=deadline, json_body=json_body,
                                   params=params)
        except (BadRequest, InsufficientBalance) as exc:
            raise refine_refusal(exc) from None
        except Unauthorized as exc:
            if exc.status != 403 or operation != "create_pod":
                raise
            raise BadRequest(f"RunPod refused access for this pod: {exc.message}", status=403,
                             operation=operation) from None

    def _call(
        self, method: str, path: str, model: type[M], *, operation: str, deadline: Deadline,
        json_body: object = None, params: Mapping[str, str | int] | None = None,
    ) -> M:
        """One request; its JSON as `model`."""
        response = self._send(method, path, operation=operation, deadline=deadline, json_body=json_body,
                              params=params)
        body = self._http.decode(response, operation=operation)
        return self._http.parse(model, body, operation=operation, response=response)

    def _list_pods_once(self, operation: str, deadline: Deadline) -> list[Pod]:
        """The account's pods, terminated ones left out. Instant Clusters' pods are included, as
        GraphQL's ``myself.pods`` includes them: they are billed like any other."""
        data = self._call("GET", "pods", RestPodListModel, operation=operation, deadline=deadline,
                          params={"includeClusterPods": "true"})
        return [self._pod(pod, deadline, operation) for pod in data.pods
                if pod.pod_status is not PodStatus.TERMINATED]

    def _get_pod_once(self, pod_id: str, operation: str, deadline: Deadline) -> Pod:
        try:
            pod = self._call("GET", f"pods/{_segment(pod_id)}", RestPodModel, operation=operation,
                             deadline=deadline)
        except NotFound as exc:
            raise _pod_not_found(pod_id, operation, exc) from None
        if pod.pod_status is PodStatus.TERMINATED:
            raise _pod_not_found(pod_id, operation)
        return self._pod(pod, deadline, operation)

    def _action(self, pod_id: str, action: str, leads_to: PodStatus, operation: str, deadline: Deadline) -> Pod:
        """`action` on the pod. Refused (409) because the pod already is where it leads (stopping
        a stopped pod), the pod is the answer, as GraphQL's ``podStop``/``podResume`` give it."""
        try:
            pod = self._call("POST", f"pods/{_segment(pod_id)}/action", RestPodModel, operation=operation,
                             deadline=deadline, json_body={"action": action})
        except NotFound as exc:
            raise _pod_not_found(pod_id, operation, exc) from None
        except BadRequest as exc:
            if exc.status != 409:
                raise
            current = self._get_pod_once(pod_id, operation, deadline)
            if current.status is not leads_to:
                raise
            return current
        return self._pod(pod, deadline, operation)

    def _catalog(self, deadline: Deadline, operation: str, *, gpu_count: int) -> list[GpuType]:
        """v2's GPU catalog with the pods' availability in each cloud, alone (no GraphQL).

        v2 gives one availability level per type, for the ``cloud`` asked (SECURE if none)
        and pods of ``count`` GPUs (1 if none): so two reads, one per cloud, for `gpu_count`."""
        def read(cloud: Cloud) -> list[RestGpuTypeModel]:
            return self._catalog_models(deadline, operation, params={
                "include": "AVAILABILITY", "product": "POD", "cloud": cloud.value, "count": gpu_count})

        community = {gpu.id: gpu for gpu in read(Cloud.COMMUNITY)}
        return [gpu.to_domain(gpu_count=gpu_count, community=community.get(gpu.id)) for gpu in read(Cloud.SECURE)]

    def _catalog_models(
        self, deadline: Deadline, operation: str, *, params: Mapping[str, str | int] | None = None,
    ) -> list[RestGpuTypeModel]:
        """One read of ``/catalog/gpus`` (a bare list or ``{gpus: [...]}``)."""
        response = self._send("GET", "catalog/gpus", operation=operation, deadline=deadline, params=params)
        body = self._http.decode(response, operation=operation)
        listed = {"gpus": body} if isinstance(body, list) else body
        return self._http.parse(RestGpuListModel, listed, operation=operation, response=response).gpus

    def _pod(self, pod: RestPodModel, deadline: Deadline, operation: str) -> Pod:
        """The domain pod, its GPU named as the catalog names it (v2 pods do not say)."""
        if pod.gpu is not None and pod.gpu.id and pod.gpu.id not in self._gpu_names and not self._names_read:
            failed_at = self._names_failed_at
            if failed_at is None or deadline.clock() - failed_at >= NAMES_RETRY_SECONDS:
                self._read_gpu_names(deadline, operation)
        return pod.to_domain(gpu_names=self._gpu_names)

    def _read_gpu_names(self, deadline: Deadline, operation: str) -> None:
        """The catalog's display names, read once. A failure leaves pods unnamed (logged, under
        the operation that read them) and never fails a read; it is tried again by the first
        read `NAMES_RETRY_SECONDS` later (or by `gpu_types`), not by every read."""
        try:
            gpus = self._catalog_models(deadline, operation)
        except RunPodError as exc:
            self._names_failed_at = deadline.clock()
            log.warning("%s: GPU display names unknown (the catalog could not be read: %s)", operation, exc)
            return
        self._names_read = True
        self._gpu_names.update((gpu.id, gpu.to_domain().display_name) for gpu in gpus)

    def _list_endpoints_once(self, operation: str, deadline: Deadline) -> list[RestEndpointModel]:
        """The account's endpoints as models: the domain `Endpoint` does not carry the env."""
        return self._call("GET", "serverless", RestEndpointListModel, operation=operation,
                          deadline=deadline).endpoints

    def _graphql_catalog(self, gpu_count: int) -> dict[str, GpuType]:
        """GraphQL's catalog, for what v2's lacks; empty (logged) if GraphQL cannot answer."""
        try:
            return {gpu.id: gpu for gpu in self._graphql.gpu_types(gpu_count=gpu_count)}
        except RunPodError as exc:
            log.warning("gpu_types: no spot prices nor offered GPU counts (GraphQL, which alone has them, "
                        "failed: %s)", exc)
            return {}


def _with_graphql_facts(gpus: list[GpuType], graphql: Mapping[str, GpuType]) -> list[GpuType]:
    """`gpus` with the spot prices and the GPU counts per pod GraphQL gives for the same types."""
    out = []
    for gpu in gpus:
        known = graphql.get(gpu.id)
        if known is not None:
            gpu = replace(gpu, secure_spot_price=known.secure_spot_price,
                          community_spot_price=known.community_spot_price,
                          available_counts=known.available_counts)
        out.append(gpu)
    return out


def _pod_not_found(pod_id: str, operation: str, cause: NotFound | None = None) -> NotFound:
    """NotFound naming the pod: RunPod's "resource not found" does not say which."""
    return NotFound(f"pod {pod_id} not found", status=cause.status if cause else None, operation=operation)


def _segment(value: str) -> str:
    """An id as one path segment: a ``/`` or ``?`` in it cannot reach another route."""
    return quote(value, safe="")
