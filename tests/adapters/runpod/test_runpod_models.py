"""Parsing at the edge: RunPod's JSON, nulls and all, into domain values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from pydantic import ValidationError

from podwarden.adapters.runpod.errors import ShapeMismatch
from podwarden.adapters.runpod.inputs import REQUEST_ENV, endpoint_input, pod_input, request_token, template_input
from podwarden.adapters.runpod.models import (
    AccountModel,
    EndpointModel,
    GpuTypeModel,
    HealthModel,
    JobModel,
    PodModel,
)
from podwarden.adapters.runpod.values import money
from podwarden.domain.idle import IdleThresholds, Verdict, verdict
from podwarden.domain.models import (
    Cloud,
    EndpointSpec,
    JobStatus,
    PodSpec,
    PodStatus,
    ScalerType,
    Stock,
    TemplateSpec,
)


def test_money_keeps_the_decimal_digits_runpod_meant() -> None:
    assert money(0.44) == Decimal("0.44")
    assert money(1.1 + 2.2) == Decimal("3.3000000000000003")  # what was sent, not binary noise on top
    assert money(80) == Decimal("80")
    assert money(None) is None


def test_a_pod_with_every_nullable_field_null() -> None:
    pod = PodModel.model_validate({
        "id": "p1", "name": "n", "desiredStatus": "EXITED", "costPerHr": 0.2, "adjustedCostPerHr": None,
        "gpuCount": 1, "vcpuCount": 8.0, "memoryInGb": 31.0, "imageName": None, "env": None, "ports": None,
        "podType": None, "machine": None, "runtime": None, "uptimeSeconds": None, "volumeInGb": None,
        "containerDiskInGb": None, "someNewField": {"ignored": True},
    }).to_domain()
    assert pod.status is PodStatus.EXITED
    assert pod.cost_per_hr == 0  # what is billed now; GraphQL's 0.2 is the rate it would run at
    assert (pod.gpu_type_id, pod.cloud, pod.runtime, pod.image, pod.env) == (None, None, None, None, ())
    assert (pod.vcpu_count, pod.memory_gb, pod.volume_gb) == (8, 31, 0)


def test_runtime_with_gaps() -> None:
    pod = PodModel.model_validate({
        "id": "p1", "name": "n", "desiredStatus": "RUNNING", "costPerHr": 0.44, "adjustedCostPerHr": 0.4,
        "podType": "INTERRUPTABLE", "env": ["A=1", "B=x=y", None, "EMPTY="],
        "machine": {"gpuTypeId": "NVIDIA GeForce RTX 4090", "secureCloud": False},
        "runtime": {
            "uptimeInSeconds": 10,
            "ports": [None, {"ip": "1.2.3.4", "isIpPublic": True, "privatePort": 22, "publicPort": 4000,
                             "type": "tcp"}, {"privatePort": None}],
            "gpus": [{"id": None, "gpuUtilPercent": 12.6, "memoryUtilPercent": None}, None],
            "container": None,
        },
    }).to_domain()
    assert pod.spot
    assert pod.cloud is Cloud.COMMUNITY
    assert pod.cost_per_hr == Decimal("0.4")  # adjustedCostPerHr: what is billed
    assert pod.env == (("A", "1"), ("B", "x=y"), ("EMPTY", ""))
    runtime = pod.runtime
    assert runtime is not None
    assert len(runtime.ports) == 1
    ssh = runtime.ssh()
    assert ssh is not None
    assert (ssh.ip, ssh.public_port) == ("1.2.3.4", 4000)
    assert [(g.id, g.util_percent, g.memory_util_percent) for g in runtime.gpus] == [
        ("gpu0", 13, None), ("gpu1", None, None),  # a null GPU is kept, unread: it is not idle
    ]
    assert runtime.cpu_percent is None


def test_a_two_gpu_pod_with_one_gpu_unreported_is_not_idle() -> None:
    pod = PodModel.model_validate({
        "id": "p2", "name": "two", "desiredStatus": "RUNNING", "costPerHr": 3.78, "gpuCount": 2,
        "runtime": {
            "uptimeInSeconds": 7200, "ports": [],
            "gpus": [{"id": "GPU-a", "gpuUtilPercent": 0, "memoryUtilPercent": 0}, None],
            "container": {"cpuPercent": 1, "memoryPercent": 3},
        },
    }).to_domain()
    assert pod.runtime is not None
    assert [g.util_percent for g in pod.runtime.gpus] == [0, None]
    assert verdict(pod, IdleThresholds()) is Verdict.UNKNOWN


def test_an_unknown_pod_status_is_read_as_created_and_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    """A state RunPod added later is not running (so never idle), and says so in the log once."""
    with caplog.at_level("WARNING", logger="podwarden.runpod"):
        first = PodModel.model_validate({"id": "p1", "desiredStatus": "HIBERNATING_V9"}).to_domain()
        again = PodModel.model_validate({"id": "p2", "desiredStatus": "HIBERNATING_V9"}).to_domain()
        other = PodModel.model_validate({"id": "p3", "desiredStatus": "MIGRATING_V9"}).to_domain()
    assert first.status is again.status is other.status is PodStatus.CREATED
    assert [r.getMessage().count("HIBERNATING_V9") for r in caplog.records] == [1, 0]
    assert "MIGRATING_V9" in caplog.records[1].getMessage()
    for bad in (None, 5):  # not a status at all: still refused
        with pytest.raises(ValidationError):
            PodModel.model_validate({"id": "p1", "desiredStatus": bad})


def test_gpu_types_with_unoffered_clouds_and_odd_stock() -> None:
    gpu = GpuTypeModel.model_validate({
        "id": "NVIDIA H100 80GB HBM3", "displayName": "H100 SXM", "memoryInGb": 80, "maxGpuCount": 8,
        "secureCloud": True, "communityCloud": False, "securePrice": 2.99, "communityPrice": 0,
        "secureSpotPrice": 0, "communitySpotPrice": 1.5,
        "secureLowest": {"stockStatus": "medium"}, "communityLowest": {"stockStatus": "High"},
    }).to_domain()
    assert gpu.secure_price == Decimal("2.99")
    assert gpu.community_price is None
    assert gpu.secure_spot_price is None
    assert gpu.community_spot_price is None  # community cloud is not offered at all
    assert gpu.secure_stock is Stock.MEDIUM
    assert gpu.community_stock is Stock.NONE
    bare = GpuTypeModel.model_validate({"id": "x", "secureLowest": {"stockStatus": ""}}).to_domain()
    assert (bare.display_name, bare.memory_gb, bare.secure_stock) == ("x", 0, Stock.NONE)


def test_account_with_nulls() -> None:
    account = AccountModel.model_validate({"id": "u", "clientBalance": 12.5, "currentSpendPerHr": None,
                                           "spendLimit": None, "pubKey": ""}).to_domain()
    assert (account.balance, account.spend_per_hr) == (Decimal("12.5"), Decimal(0))
    assert account.spend_limit_per_hr is None
    assert account.pub_key is None


def test_a_null_balance_is_refused_rather_than_guessed() -> None:
    model = AccountModel.model_validate({"id": "u", "clientBalance": None, "currentSpendPerHr": None})
    with pytest.raises(ShapeMismatch, match="null clientBalance") as raised:
        model.to_domain()
    assert not raised.value.retryable
    assert raised.value.operation == "account"


def test_endpoint_defaults_and_unknown_scaler() -> None:
    raw = {"id": "e", "name": "n", "gpuIds": "AMPERE_16, ADA_24,", "scalerType": "SOMETHING_NEW",
           "flashBootType": "OFF"}
    endpoint = EndpointModel.model_validate(raw).to_domain()
    assert endpoint.gpu_ids == ("AMPERE_16", "ADA_24")
    assert endpoint.scaler_type is ScalerType.QUEUE_DELAY
    assert not endpoint.flashboot
    assert (endpoint.workers_min, endpoint.workers_max) == (0, 0)
    assert (endpoint.idle_timeout_s, endpoint.gpu_count) == (5, 1)
    priority = EndpointModel.model_validate({"id": "e", "flashBootType": "PRIORITY_FLASHBOOT"})
    assert priority.to_domain().flashboot


def test_jobs_and_health() -> None:
    raw = {"id": "j", "status": "RUNNING", "error": {"error_type": "OOM"}}
    job = JobModel.model_validate(raw).to_domain()
    assert job.status is JobStatus.IN_PROGRESS
    assert job.error == '{"error_type": "OOM"}'
    health = HealthModel.model_validate({"jobs": {"completed": 3, "inQueue": None},
                                         "workers": {"idle": 1, "running": 2}}).to_domain()
    assert (health.jobs_completed, health.jobs_in_queue) == (3, 0)
    assert (health.workers_idle, health.workers_running) == (1, 2)
    assert HealthModel.model_validate({}).to_domain().workers_ready == 0


def test_inputs_carry_every_field_runpod_needs() -> None:
    spot = pod_input(PodSpec(name="n", gpu_type_id="g", spot=True, template_id="t", network_volume_id="v"),
                     bid_per_gpu=Decimal("0.25"))
    assert spot["bidPerGpu"] == 0.25
    assert (spot["templateId"], spot["networkVolumeId"], spot["cloudType"]) == ("t", "v", "SECURE")
    assert "imageName" not in spot
    spec = EndpointSpec(id="e", name="n", template_id="t", gpu_ids=("A", "B"), flashboot=False)
    update = endpoint_input(spec)
    assert update["id"] == "e"
    assert update["gpuIds"] == "A,B"
    assert "flashBootType" not in update
    assert (update["networkVolumeId"], update["locations"]) == ("", "")
    template = template_input(TemplateSpec(name="n", image="i", env=(("K", "V"),)))
    assert template["env"] == [{"key": "K", "value": "V"}]
    assert "volumeMountPath" not in template


def test_inputs_carry_the_request_token() -> None:
    spec = PodSpec(name="n", gpu_type_id="g", env=(("A", "1"), (REQUEST_ENV, "old")))
    assert pod_input(spec, request="t0k3n")["env"] == [{"key": "A", "value": "1"},
                                                        {"key": REQUEST_ENV, "value": "t0k3n"}]
    assert pod_input(spec)["env"] == [{"key": "A", "value": "1"}, {"key": REQUEST_ENV, "value": "old"}]
    endpoint = EndpointSpec(name="n", template_id="t", gpu_ids=("A",))
    assert endpoint_input(endpoint, request="t0k3n")["env"] == [{"key": REQUEST_ENV, "value": "t0k3n"}]
    assert "env" not in endpoint_input(endpoint)


def test_the_request_token_is_the_callers_key_when_given() -> None:
    assert request_token((("A", "1"), (REQUEST_ENV, "key-42"))) == ("key-42", True)
    fresh, supplied = request_token((("A", "1"), (REQUEST_ENV, "")))
    assert not supplied
    assert len(fresh) == 32
    assert int(fresh, 16) >= 0
    assert request_token(())[0] != request_token(())[0]
