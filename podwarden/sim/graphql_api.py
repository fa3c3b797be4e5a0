"""``POST /graphql``: RunPod's GraphQL subset, executed by graphql-core against `schema.graphql`.

Status codes follow RunPod (reference §2.1, §11.1): a document that does not parse or
validate (a misspelt field, an unknown input key) is HTTP 400 with
``extensions.code`` ``GRAPHQL_PARSE_FAILED``/``GRAPHQL_VALIDATION_FAILED``; variables that
do not fit their types are 400 ``BAD_USER_INPUT``; a refusal by the world (no capacity,
spend limit, not found…) is HTTP 200 with an ``errors`` entry (``path``, ``extensions.code``
``RUNPOD``) and ``data.<field>: null``. An unknown pod in ``pod(input:)`` or template in
``podTemplate(id:)`` is ``data.pod: null`` with no ``errors`` key, as on RunPod (dstack
handles ``None`` but raises on any ``errors``).

Numbers leave as RunPod's server writes them: a whole ``Float`` (``memoryInGb`` 31) as the
JSON integer ``31``, not graphql-core's ``31.0``, which the Go clients' ``int`` fields refuse.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from importlib import resources
from typing import Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    build_schema,
    execute_sync,
    parse,
    validate,
)
from graphql.language import DocumentNode

from podwarden.sim import clusters, cpu, errors, hub, locations, model_repo, registry
from podwarden.sim import pods as pod_ops
from podwarden.sim import resources as res
from podwarden.sim.pods import DeployRequest
from podwarden.sim.views import endpoint_view, gpu_type_view, pod_view, template_view, user_view, volume_view
from podwarden.sim.world import World

__all__ = ["CATALOG_FIELDS", "GraphQLApi", "load_schema"]

# What RunPod answers without an API key: the public catalogue (gpuhunt builds dstack's whole
# RunPod catalogue anonymously). A document selecting anything else is 401 without a key.
CATALOG_FIELDS = frozenset({"gpuTypes", "dataCenters", "countryCodes", "cpuFlavors", "__typename"})

_DOCUMENT_CACHE_SIZE = 512

Resolver = Callable[..., Any]


def load_schema() -> GraphQLSchema:
    sdl = resources.files("podwarden.sim").joinpath("schema.graphql").read_text(encoding="utf-8")
    return build_schema(sdl)


def _root_fields(document: DocumentNode, operation_name: object) -> tuple[str, ...]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is not None:
        operations = [o for o in operations if o.name is not None and o.name.value == operation_name]
    if not operations:
        return ()
    return tuple(s.name.value for s in operations[0].selection_set.selections if isinstance(s, FieldNode))


def _whole_floats(value: Any) -> Any:
    """The result with every whole float as an int (``31.0`` -> ``31``), as a JavaScript server writes it."""
    if isinstance(value, float):
        return int(value) if value.is_integer() else value
    if isinstance(value, dict):
        return {k: _whole_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_floats(v) for v in value]
    return value


def _error_body(message: str, code: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code}}]}


def _require(data: Mapping[str, Any] | None, what: str) -> Mapping[str, Any]:
    if data is None:
        raise errors.SimError(f"{what} requires an input.")
    return data


class GraphQLApi:
    """Executes documents against one `World`; the caller holds the world's lock."""

    def __init__(self, world_of: Callable[[], World]) -> None:
        self._world_of = world_of
        self.schema = load_schema()
        # Clients send the same few documents over and over: parse and validate each once.
        self._documents: dict[str, DocumentNode | list[GraphQLError]] = {}

    def _document(self, query: str) -> DocumentNode | list[GraphQLError]:
        """The parsed document, or its parse/validation errors (a parse error carries no locations)."""
        cached = self._documents.get(query)
        if cached is None:
            try:
                document = parse(query)
            except GraphQLError as exc:
                exc.extensions = {"code": "GRAPHQL_PARSE_FAILED"}
                cached = [exc]
            else:
                problems = validate(self.schema, document)
                for problem in problems:
                    problem.extensions = {"code": "GRAPHQL_VALIDATION_FAILED"}
                cached = problems or document
            if len(self._documents) >= _DOCUMENT_CACHE_SIZE:
                self._documents.clear()
            self._documents[query] = cached
        return cached

    def root_fields(self, body: object) -> tuple[str, ...]:
        """The root field names a request asks for (``("podStop",)``); empty if it does not parse."""
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return ()
        document = self._document(body["query"])
        if isinstance(document, list):
            return ()
        return _root_fields(document, body.get("operationName"))

    @property
    def world(self) -> World:
        return self._world_of()

    def handle(self, body: object) -> tuple[int, dict[str, Any]]:
        if not isinstance(body, Mapping) or not isinstance(body.get("query"), str):
            return 400, _error_body("POST body must be JSON with a 'query' string.", "BAD_REQUEST")
        document = self._document(body["query"])
        if isinstance(document, list):
            return 400, {"errors": [{"message": p.message, "extensions": p.extensions} for p in document]}
        variables = body.get("variables")
        if variables is not None and not isinstance(variables, Mapping):
            return 400, _error_body("'variables' must be an object.", "BAD_USER_INPUT")
        operation = body.get("operationName")
        result = execute_sync(
            self.schema,
            document,
            root_value=self._root(),
            variable_values=dict(variables) if variables is not None else None,
            operation_name=operation if isinstance(operation, str) else None,
        )
        if result.data is None and result.errors:
            return 400, {"errors": [
                {"message": e.message, "extensions": {"code": "BAD_USER_INPUT"}} for e in result.errors
            ]}
        out: dict[str, Any] = {}
        if result.errors:
            out["errors"] = [self._format(e) for e in result.errors]
        out["data"] = _whole_floats(result.data)
        return 200, out

    @staticmethod
    def _format(error: GraphQLError) -> dict[str, Any]:
        original = error.original_error
        if original is not None and not isinstance(original, errors.SimError | GraphQLError):
            raise original  # a bug in the simulator: let it surface, never disguise it as RunPod's
        code = original.code if isinstance(original, errors.SimError) else "INTERNAL_SERVER_ERROR"
        entry: dict[str, Any] = {"message": error.message}
        if error.locations:
            entry["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
        if error.path is not None:
            entry["path"] = list(error.path)
        entry["extensions"] = {"code": code}
        return entry

    # ----------------------------------------------------------- resolvers
    def _root(self) -> dict[str, Resolver]:
        return {
            "myself": self._myself,
            "pod": self._pod,
            "gpuTypes": self._gpu_types,
            "serverlessGpuPools": self._pools,
            "dataCenters": lambda _info: locations.data_centres_view(self.world),
            "countryCodes": lambda _info: locations.country_codes(),
            "cpuFlavors": self._cpu_flavors,
            "podTemplate": self._pod_template,
            "podTemplates": self._pod_templates,
            "listings": lambda _info, input=None: hub.list_listings(input),
            "listing": lambda _info, id="": hub.find_listing(str(id)),
            "listingFromRepo": lambda _info, repoOwner="", repoName="": hub.find_listing_from_repo(
                str(repoOwner), str(repoName)),
            "myModels": lambda _info: model_repo.list_models(self.world),
            "myModel": lambda _info, owner="", name="": model_repo.find_model(self.world, str(owner), str(name)),
            "addModelToRepo": lambda _info, input: model_repo.add_model(self.world, input),
            "createModelRepoUpload": lambda _info, input: model_repo.create_upload(self.world, input),
            "completeModelRepoUpload": lambda _info, input: model_repo.complete_upload(self.world, input),
            "updateModelVersionStatus": self._update_model_version_status,
            "removeModelFromRepo": lambda _info, input: model_repo.remove_model(self.world, input),
            "podEditJob": self._edit_pod,
            "deployCpuPod": self._deploy_cpu,
            "createCluster": self._create_cluster,
            "deleteCluster": self._delete_cluster,
            "saveRegistryAuth": self._save_registry_auth,
            "deleteRegistryAuth": self._delete_registry_auth,
            "podFindAndDeployOnDemand": self._deploy,
            "podRentInterruptable": self._rent_spot,
            "podStop": self._stop,
            "podResume": self._resume,
            "podBidResume": self._bid_resume,
            "podTerminate": self._terminate,
            "saveTemplate": self._save_template,
            "deleteTemplate": self._delete_template,
            "saveEndpoint": self._save_endpoint,
            "updateEndpointTemplate": self._update_endpoint_template,
            "deleteEndpoint": self._delete_endpoint,
            "updateUserSettings": self._update_user_settings,
            "createNetworkVolume": self._create_volume,
            "updateNetworkVolume": self._update_volume,
            "deleteNetworkVolume": self._delete_volume,
        }

    def _update_model_version_status(
        self, _info: Any, status: str, uuid: str | None = None, hash: str | None = None,
    ) -> dict[str, Any]:
        return model_repo.update_version_status(self.world, uuid, hash, status)

    def _myself(self, _info: Any) -> dict[str, Any]:
        return user_view(self.world)

    def _pod(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        pod = self.world.pods.get(str(_require(input, "pod")["podId"]))
        return pod_view(self.world, pod) if pod is not None else None

    def _gpu_types(self, _info: Any, input: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """``GpuTypeFilter``: ``id`` and ``ids`` pick types; ``cluster: true`` keeps those offered as
        Instant Clusters (gpuhunt's cluster offers), ``cluster: false`` or absent keeps every type."""
        wanted: set[str] | None = None
        if input and input.get("id"):
            wanted = {str(input["id"])}
        if input and input.get("ids") is not None:
            wanted = (wanted or set()) | {str(i) for i in input["ids"]}
        cluster_only = bool(input and input.get("cluster"))
        return [gpu_type_view(g, self.world) for g in self.world.gpu_types.values()
                if (wanted is None or g.id in wanted) and (not cluster_only or g.id in locations.CLUSTER_OFFERS)]

    def _cpu_flavors(self, _info: Any, input: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return cpu.cpu_flavors_view(str(input["id"]) if input and input.get("id") else None)

    def _pod_template(self, _info: Any, id: str | None = None) -> dict[str, Any] | None:
        template = res.find_template(self.world, str(id or ""))
        return template_view(template) if template is not None else None

    def _pod_templates(self, _info: Any, input: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        return [template_view(t) for t in res.list_templates(self.world, input)]

    def _edit_pod(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return pod_view(self.world, pod_ops.edit(self.world, _require(input, "podEditJob")))

    def _deploy_cpu(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return pod_view(self.world, cpu.deploy_cpu_pod(self.world, _require(input, "deployCpuPod")))

    def _create_cluster(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        cluster = clusters.create_cluster(self.world, _require(input, "createCluster"))
        return {"id": cluster.id, "name": cluster.name, "type": cluster.type,
                "pods": [pod_view(self.world, self.world.pods[p]) for p in cluster.pod_ids]}

    def _delete_cluster(self, _info: Any, input: Mapping[str, Any] | None = None) -> bool:
        clusters.delete_cluster(self.world, str(_require(input, "deleteCluster")["id"]))
        return True

    def _save_registry_auth(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        auth = registry.save_registry_auth(self.world, _require(input, "saveRegistryAuth"))
        return {"id": auth.id, "name": auth.name, "registryUsername": auth.username}

    def _delete_registry_auth(self, _info: Any, registryAuthId: str | None = None) -> None:
        registry.delete_registry_auth(self.world, str(registryAuthId or ""))

    def _pools(self, _info: Any) -> list[dict[str, Any]]:
        return [{"id": p.id, "gpuTypeIds": list(p.gpu_type_ids)} for p in self.world.pools.values()]

    def _deploy(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        req = DeployRequest.from_input(_require(input, "podFindAndDeployOnDemand"), self.world)
        return pod_view(self.world, pod_ops.deploy(self.world, req))

    def _rent_spot(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        req = DeployRequest.from_input(_require(input, "podRentInterruptable"), self.world, spot=True)
        return pod_view(self.world, pod_ops.deploy(self.world, req))

    def _stop(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        pod = pod_ops.stop(self.world, str(_require(input, "podStop")["podId"]))
        return pod_view(self.world, pod)

    def _resume(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = _require(input, "podResume")
        pod = pod_ops.resume(self.world, str(data["podId"]), data.get("gpuCount"))
        return pod_view(self.world, pod)

    def _bid_resume(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        data = _require(input, "podBidResume")
        pod = pod_ops.bid_resume(self.world, str(data["podId"]), Decimal(str(data["bidPerGpu"])),
                                 int(data["gpuCount"]))
        return pod_view(self.world, pod)

    def _terminate(self, _info: Any, input: Mapping[str, Any] | None = None) -> None:
        pod_ops.terminate(self.world, str(_require(input, "podTerminate")["podId"]))

    def _save_template(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return template_view(res.save_template(self.world, _require(input, "saveTemplate")))

    def _delete_template(self, _info: Any, templateName: str | None = None) -> None:
        res.delete_template(self.world, str(templateName or ""))

    def _save_endpoint(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return endpoint_view(self.world, res.save_endpoint(self.world, _require(input, "saveEndpoint")))

    def _update_endpoint_template(
        self, _info: Any, input: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        data = _require(input, "updateEndpointTemplate")
        endpoint = res.update_endpoint_template(self.world, str(data["endpointId"]), str(data["templateId"]))
        return endpoint_view(self.world, endpoint)

    def _delete_endpoint(self, _info: Any, id: str | None = None) -> None:
        res.delete_endpoint(self.world, str(id or ""))

    def _update_user_settings(
        self, _info: Any, input: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        self.world.pub_key = str(_require(input, "updateUserSettings")["pubKey"])
        return user_view(self.world)

    def _create_volume(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return volume_view(res.create_network_volume(self.world, _require(input, "createNetworkVolume")), self.world)

    def _update_volume(self, _info: Any, input: Mapping[str, Any] | None = None) -> dict[str, Any]:
        return volume_view(res.update_network_volume(self.world, _require(input, "updateNetworkVolume")), self.world)

    def _delete_volume(self, _info: Any, input: Mapping[str, Any] | None = None) -> bool:
        res.delete_network_volume(self.world, str(_require(input, "deleteNetworkVolume")["id"]))
        return True
