"""The pod verbs through the one dispatcher, against the in-process simulator and a SQLite ledger."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from bot.dispatch import Caller, Dispatcher
from bot.handlers import build_dispatcher, caller_of
from podwarden import bootstrap
from podwarden.adapters.slack.reply import Reply
from podwarden.bootstrap import Services
from podwarden.domain.access import Role
from podwarden.domain.ledger_values import AuditOutcome, PendingState
from podwarden.domain.notes import ApprovalOutcome, ApprovalRequested, MessageRef, Note

ADMIN, ALICE, BOB, VIEWER = "U0ADMIN", "U0ALICE", "U0BOB", "U0VIEW"


@dataclass
class Notes:
    """The Notifier port as a list."""

    sent: list[Note] = field(default_factory=list)

    def send(self, note: Note) -> MessageRef:
        self.sent.append(note)
        return MessageRef(channel=note.to, ts=f"{len(self.sent)}.0001")

    def update(self, ref: MessageRef, note: Note) -> None:
        pass

    def find_sent(self, channel: str, key: str, *, oldest: datetime) -> MessageRef | None:
        return None


@dataclass
class Bot:
    services: Services
    dispatcher: Dispatcher
    notes: Notes

    def caller(self, user: str, channel: str | None = None) -> Caller:
        return caller_of(self.services)(user, channel)

    def ask(self, user: str, text: str, channel: str | None = None) -> Reply:
        return self.dispatcher.handle(text, self.caller(user, channel))

    def click(self, user: str, reply: Reply, label: str) -> Reply:
        button = next(b for b in reply.buttons if b.text == label)
        return self.dispatcher.act(button.action_id, button.value, self.caller(user))

    def pods_named(self, name: str) -> list[Any]:
        return [p for p in self.services.runpod.list_pods() if p.name == name and p.status.value != "TERMINATED"]

    def audit(self, **filters: Any) -> list[Any]:
        return self.services.ledger.audit_log(**filters)


def make_bot(tmp_path: Path, **settings: Any) -> Iterator[Bot]:
    values: dict[str, Any] = {"database_url": f"sqlite:///{tmp_path / 'ledger.db'}", "admins": ADMIN,
                              "members": f"{ALICE},{BOB}"}
    values.update(settings)
    notes = Notes()
    with bootstrap.build(bootstrap.settings(**values), sim=True, notifier=notes) as services:
        yield Bot(services, build_dispatcher(services), notes)


@pytest.fixture
def bot(tmp_path: Path, podwarden_env: Path) -> Iterator[Bot]:
    yield from make_bot(tmp_path)


def test_start_quotes_then_creates_exactly_once_on_confirm(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start a100 --name alice-train --max-hours 2")
    assert offer.ok
    assert "at $1.89/h" in offer.title
    assert [b.text for b in offer.buttons] == ["Confirm", "Cancel"]
    assert not bot.pods_named("alice-train")  # nothing exists before the confirm
    done = bot.click(ALICE, offer, "Confirm")
    assert done.ok
    assert done.title.startswith("Started alice-train")
    again = bot.click(ALICE, offer, "Confirm")  # a double click, or Slack retrying the action
    assert "Already done" in again.title
    pods = bot.pods_named("alice-train")
    assert len(pods) == 1
    record = bot.services.ledger.pod(pods[0].id)
    assert record is not None
    assert record.owner_id == ALICE
    assert dict(pods[0].env)["PODWARDEN_REQUEST"] == offer.data["nonce"]  # the nonce is RunPod's request token
    assert [e.outcome for e in bot.audit(action="start")] == [AuditOutcome.OK]


def test_two_confirms_at_once_create_one_pod(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start 4090 --name race")
    answers: list[Reply] = []
    gate = threading.Barrier(2)

    def click() -> None:
        gate.wait()
        answers.append(bot.click(ALICE, offer, "Confirm"))

    threads = [threading.Thread(target=click) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(bot.pods_named("race")) == 1
    assert sorted(a.title.split(" ")[0] for a in answers) in (["Already", "Started"],)


def test_someone_else_cannot_confirm_and_is_audited(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start a4000 --name alice-small")
    refused = bot.click(BOB, offer, "Confirm")
    assert not refused.ok
    assert f"Only <@{ALICE}>" in refused.title
    assert not bot.pods_named("alice-small")
    [entry] = bot.audit(actor=BOB)
    assert entry.outcome is AuditOutcome.REFUSED
    assert entry.action == "start confirm"


def test_cancel_creates_nothing_and_the_confirm_then_says_so(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start a4000 --name never")
    assert bot.click(ALICE, offer, "Cancel").title.startswith("Cancelled")
    late = bot.click(ALICE, offer, "Confirm")
    assert not late.ok
    assert "cancelled" in late.title
    assert not bot.pods_named("never")


def test_spot_start_shows_the_bid_and_records_it(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start 4090 --spot --bid 0.50 --name cheap")
    assert "Spot bid: $0.50/h per GPU" in offer.text()
    bot.click(ALICE, offer, "Confirm")
    [pod] = bot.pods_named("cheap")
    assert pod.spot


def test_a_bid_under_the_minimum_is_refused(bot: Bot) -> None:
    reply = bot.ask(ALICE, "start 4090 --spot --bid 0.01")
    assert not reply.ok
    assert "lowest spot bid" in reply.title


def test_above_the_threshold_an_admin_approves_and_the_requester_is_told(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start h100 x4 --name big")
    assert [b.text for b in offer.buttons] == ["Request approval", "Cancel"]
    waiting = bot.click(ALICE, offer, "Request approval")
    assert waiting.data.get("awaiting_approval") is True
    [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
    assert request.to == ADMIN
    assert request.requester == ALICE
    as_reply = Reply(title="", buttons=render(request).buttons)
    refused = bot.click(BOB, as_reply, "Approve")  # a member cannot approve
    assert not refused.ok
    assert "needs the admin role" in refused.title
    assert any(e.outcome is AuditOutcome.REFUSED and e.action == "approval_approve" for e in bot.audit(actor=BOB))
    approved = bot.click(ADMIN, as_reply, "Approve")
    assert approved.ok
    assert "Approved" in approved.title
    assert len(bot.pods_named("big")) == 1
    again = bot.click(ADMIN, as_reply, "Approve")
    assert "Already approved" in again.title
    assert len(bot.pods_named("big")) == 1
    [outcome] = [n for n in bot.notes.sent if isinstance(n, ApprovalOutcome)]
    assert (outcome.to, outcome.outcome, outcome.by) == (ALICE, "approved", ADMIN)
    record = bot.services.ledger.pod(bot.pods_named("big")[0].id)
    assert record is not None
    assert record.owner_id == ALICE


def test_a_denied_request_creates_nothing_and_says_so(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start h100 x4 --name denied")
    bot.click(ALICE, offer, "Request approval")
    [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
    bot.click(ADMIN, Reply(title="", buttons=render(request).buttons), "Deny")
    assert not bot.pods_named("denied")
    [outcome] = [n for n in bot.notes.sent if isinstance(n, ApprovalOutcome)]
    assert outcome.outcome == "denied"


def test_an_unanswered_request_expires_and_the_requester_is_told(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start h100 x4 --name lapsed")
    bot.click(ALICE, offer, "Request approval")
    [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
    sim(bot).advance(timedelta(hours=5).total_seconds())
    late = bot.click(ADMIN, Reply(title="", buttons=render(request).buttons), "Approve")
    assert not late.ok
    assert "expired" in late.title
    assert not bot.pods_named("lapsed")
    [outcome] = [n for n in bot.notes.sent if isinstance(n, ApprovalOutcome)]
    assert outcome.outcome == "expired"
    assert bot.services.ledger.pending_action(request.nonce).state is PendingState.EXPIRED  # type: ignore[union-attr]


def test_an_admin_above_the_threshold_confirms_directly(bot: Bot) -> None:
    offer = bot.ask(ADMIN, "start h100 x4 --name admins-own")
    assert offer.buttons[0].text == "Confirm"
    bot.click(ADMIN, offer, "Confirm")
    assert len(bot.pods_named("admins-own")) == 1


def test_a_hard_cap_refuses_the_start_and_is_audited(bot: Bot) -> None:
    assert bot.ask(ADMIN, f"budget set <@{ALICE}|alice> 1/hour --hard").ok
    refused = bot.ask(ALICE, "start a100")
    assert not refused.ok
    assert "break a cap" in refused.title
    assert any(e.action == "start" and e.outcome is AuditOutcome.REFUSED for e in bot.audit(actor=ALICE))


def test_a_soft_cap_warns_but_offers(bot: Bot) -> None:
    bot.ask(ADMIN, "budget set global 1/hour")
    offer = bot.ask(ALICE, "start a100")
    assert offer.ok
    assert offer.buttons
    assert "Warning: the global budget" in offer.text()


def test_members_stop_only_their_own_pods_and_viewers_none(bot: Bot) -> None:
    refused = bot.ask(ALICE, "stop bob-notebook")
    assert not refused.ok
    assert "members may stop only their own pods" in refused.title
    viewer = bot.ask(VIEWER, "stop bob-notebook")
    assert not viewer.ok
    assert "needs the member role" in viewer.title
    assert {e.actor for e in bot.audit() if e.outcome is AuditOutcome.REFUSED} == {ALICE, VIEWER}
    bot.ask(ADMIN, f"role <@{BOB}|bob> member --prefix bob-")
    stopped = bot.ask(BOB, "stop bob-note")  # his by name prefix; a unique prefix names the pod
    assert stopped.ok
    assert stopped.title.startswith("Stopped bob-notebook")
    [entry] = bot.audit(actor=BOB, action="stop")
    assert entry.outcome is AuditOutcome.OK
    assert entry.answer_status == "ok"


def test_terminate_asks_with_a_dialog_then_deletes(bot: Bot) -> None:
    offer = bot.ask(ADMIN, "terminate dave")
    button = offer.buttons[0]
    assert button.style == "danger"
    assert button.confirm
    assert bot.click(ADMIN, offer, "Terminate").title.startswith("Terminated dave-archive")
    assert not bot.pods_named("dave-archive")


def test_resume_asks_first_then_resumes(bot: Bot) -> None:
    offer = bot.ask(ADMIN, "resume dave-archive")
    assert "Resume dave-archive" in offer.title
    assert bot.click(ADMIN, offer, "Resume").title.startswith("Resumed dave-archive")


def test_ssh_gives_the_direct_and_the_proxied_command(bot: Bot) -> None:
    reply = bot.ask(VIEWER, "ssh alice-llama")
    direct, proxied = reply.data["direct"], reply.data["proxied"]
    assert direct.startswith("ssh root@")
    assert " -p " in direct
    assert direct.endswith("-i ~/.ssh/id_ed25519")
    pod = bot.services.runpod.get_pod(reply.data["pod"])
    assert proxied == f"ssh {pod.pod_host_id}@ssh.runpod.io -i ~/.ssh/id_ed25519"
    assert pod.pod_host_id
    assert pod.pod_host_id.startswith(pod.id + "-")


def test_pod_names_ambiguous_or_missed(bot: Bot) -> None:
    assert "did you mean `bob-notebook`" in bot.ask(VIEWER, "ssh bob-notbook").title
    bot.click(ADMIN, bot.ask(ADMIN, "start a4000 --name bob-two"), "Confirm")
    ambiguous = bot.ask(VIEWER, "ssh bob")
    assert "fits several pods" in ambiguous.title
    assert "bob-notebook" in ambiguous.title


def test_pods_lists_owner_cost_and_scope(bot: Bot) -> None:
    bot.click(ALICE, bot.ask(ALICE, "start a4000 --name alice-mine"), "Confirm")
    mine = bot.ask(ALICE, "pods")
    assert [p["name"] for p in mine.data["pods"]] == ["alice-mine"]
    everyone = bot.ask(VIEWER, "pods all")
    assert len(everyone.data["pods"]) >= 5
    assert "owner" in everyone.text()
    assert [p["name"] for p in bot.ask(VIEWER, f"pods <@{ALICE}|alice>").data["pods"]] == ["alice-mine"]


def test_runpod_errors_reach_the_user_as_one_line_and_the_audit(bot: Bot) -> None:
    sim(bot).faults.add("graphql:podStop", "MALFORMED")
    reply = bot.ask(ADMIN, "stop alice-llama")
    assert not reply.ok
    assert "\n" not in reply.title
    assert "Traceback" not in reply.text()
    [entry] = bot.audit(action="stop")
    assert entry.outcome is AuditOutcome.FAILED
    assert entry.answer_status
    assert entry.error


def test_roles_come_from_the_ledger_after_the_first_sighting(bot: Bot) -> None:
    assert bot.caller(VIEWER).role is Role.VIEWER
    assert bot.ask(ADMIN, f"role <@{VIEWER}|v> member").ok
    assert bot.caller(VIEWER).role is Role.MEMBER
    assert bot.ask(ALICE, f"role <@{VIEWER}|v> admin").title.startswith("`role` needs the admin role")


def test_user_groups_lift_a_role(bot: Bot) -> None:
    bot.ask(ADMIN, "role <!subteam^S0OPS|@ops> admin")
    caller = caller_of(bot.services, groups=lambda user: ["S0OPS"] if user == VIEWER else [])
    assert caller(VIEWER, None).role is Role.ADMIN
    assert caller(BOB, None).role is Role.MEMBER


def test_commands_are_taken_only_in_allowed_channels(tmp_path: Path, podwarden_env: Path) -> None:
    for bot in make_bot(tmp_path, allowed_channels="C0GPU"):
        assert bot.ask(ALICE, "pods", channel="C0GPU").ok
        assert bot.ask(ALICE, "pods", channel="D0DM").ok  # a DM with the bot
        refused = bot.ask(ALICE, "pods", channel="C0RANDOM")
        assert not refused.ok
        assert "does not take commands in this channel" in refused.title
        [entry] = bot.audit(actor=ALICE)
        assert (entry.outcome, entry.channel) == (AuditOutcome.REFUSED, "C0RANDOM")


def sim(bot: Bot) -> Any:
    assert bot.services.simulator is not None
    return bot.services.simulator


def render(note: Note) -> Reply:
    from podwarden.adapters.slack.render_notes import render as render_note

    return render_note(note)


def test_an_approved_request_that_cannot_be_done_is_told_as_failed(tmp_path: Path, podwarden_env: Path) -> None:
    for bot in make_bot(tmp_path, approval_threshold="0.1"):
        bot.ask(ADMIN, f"role <@{ALICE}|alice> member --prefix dave-")  # dave-archive (stopped) is hers now
        offer = bot.ask(ALICE, "resume dave-archive")
        assert offer.buttons[0].text == "Request approval"
        bot.click(ALICE, offer, "Request approval")
        [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
        bot.click(ADMIN, bot.ask(ADMIN, "terminate dave-archive"), "Terminate")  # gone before the approval
        answer = bot.click(ADMIN, Reply(title="", buttons=render(request).buttons), "Approve")
        assert not answer.ok
        assert answer.title.startswith("Approved, but it could not be done")
        [outcome] = [n for n in bot.notes.sent if isinstance(n, ApprovalOutcome)]
        assert (outcome.to, outcome.outcome) == (ALICE, "failed")


def test_an_approved_request_runs_with_the_requesters_own_role_not_the_admins(
    tmp_path: Path, podwarden_env: Path,
) -> None:
    for bot in make_bot(tmp_path, approval_threshold="0.1"):
        bot.ask(ADMIN, f"role <@{ALICE}|alice> member --prefix dave-")  # dave-archive (stopped) is hers now
        offer = bot.ask(ALICE, "resume dave-archive")
        bot.click(ALICE, offer, "Request approval")
        [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
        [dave] = bot.pods_named("dave-archive")
        bot.services.ledger.observe_pods([dave], now=bot.services.clock.now(), owners={dave.id: BOB})  # given away
        answer = bot.click(ADMIN, Reply(title="", buttons=render(request).buttons), "Approve")
        assert not answer.ok
        assert "members may resume only their own pods" in answer.title
        assert not bot.services.runpod.get_pod(dave.id).running


def test_caps_are_judged_again_when_an_admin_approves(tmp_path: Path, podwarden_env: Path) -> None:
    for bot in make_bot(tmp_path, approval_threshold="0.1"):
        offer = bot.ask(ALICE, "start a100 --name late")
        bot.click(ALICE, offer, "Request approval")
        [request] = [n for n in bot.notes.sent if isinstance(n, ApprovalRequested)]
        assert bot.ask(ADMIN, f"budget set <@{ALICE}|alice> 1/hour --hard").ok  # while the request waited
        answer = bot.click(ADMIN, Reply(title="", buttons=render(request).buttons), "Approve")
        assert not answer.ok
        assert f"<@{ALICE}>'s budget" in answer.title
        assert not bot.pods_named("late")
        [outcome] = [n for n in bot.notes.sent if isinstance(n, ApprovalOutcome)]
        assert (outcome.to, outcome.outcome) == (ALICE, "failed")


def test_caps_are_judged_again_at_the_confirm_and_a_second_click_says_why(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start a100 --name late")
    assert bot.ask(ADMIN, f"budget set <@{ALICE}|alice> 1/hour --hard").ok  # between the offer and the click
    refused = bot.click(ALICE, offer, "Confirm")
    assert not refused.ok
    assert refused.title.startswith("Not done:")
    assert f"<@{ALICE}>'s budget" in refused.title
    again = bot.click(ALICE, offer, "Confirm")
    assert not again.ok
    assert again.title.startswith("That start was not done:")
    assert not bot.pods_named("late")
    assert [e.outcome for e in bot.audit(action="start", actor=ALICE)] == [AuditOutcome.REFUSED]


def test_the_global_cap_counts_the_live_fleet_before_any_daemon_run(tmp_path: Path, podwarden_env: Path) -> None:
    """A fresh ledger, a fleet already over $2/h: `start` is refused and `budget` shows what runs."""
    for bot in make_bot(tmp_path, global_cap_per_hr="2"):
        refused = bot.ask(ALICE, "start 4090")
        assert not refused.ok
        assert "over the global cap of $2.00/h" in refused.text()
        assert not bot.pods_named("alice-rtx-4090")
        shown = bot.ask(ADMIN, "budget")
        assert "the fleet runs at $" in shown.text()
        assert shown.data["running_per_hour"] not in (None, "0.000")


def test_ssh_to_a_stopped_pod_says_it_is_stopped_and_how_to_resume(bot: Bot) -> None:
    reply = bot.ask(VIEWER, "ssh dave-archive")
    assert not reply.ok
    assert reply.title == "dave-archive is stopped (exited): there is nothing to SSH into"
    assert "`resume dave-archive` starts it again" in reply.text()
    assert "ssh.runpod.io" not in reply.text()
    assert "@" not in reply.text()
    assert reply.data["ssh"] is None


def test_the_start_confirmation_prices_the_disks_too(bot: Bot) -> None:
    offer = bot.ask(ALICE, "start a100 --disk 500 --volume 2000")
    assert offer.ok
    assert "at $2.24/h?" in offer.title  # $1.89 of GPU + $0.35 of disks (500 GB + 2000 GB)
    assert "$2.24/h while it runs: $1.89/h for the GPUs (1 × $1.89/h) + $0.35/h for the container disk " \
        "500 GB and volume 2000 GB." in offer.text()
    start = offer.data["start"]
    assert (start["per_hour"], start["gpu_per_hour"], start["storage_per_hour"]) == ("2.237", "1.890", "0.347")


@pytest.mark.parametrize(("flag", "word"), [("--disk 99999999", "--disk"), ("--volume 100001", "--volume")])
def test_start_takes_the_same_disk_bounds_as_quote(bot: Bot, flag: str, word: str) -> None:
    refused = bot.ask(ALICE, f"start 4090 {flag}")
    assert not refused.ok
    assert not refused.buttons  # never offered for confirmation
    assert f"{word} can be at most 100,000 GB, got" in refused.title


@pytest.mark.parametrize("api", ["graphql", "rest"])
def test_resume_quotes_todays_gpu_price_and_the_disks_over_either_api(
    tmp_path: Path, podwarden_env: Path, api: str,
) -> None:
    """A stopped pod's GPUs bill nothing now (both APIs say 0), so the quote is the catalog's
    price for its GPUs plus its disks while it runs."""
    for bot in make_bot(tmp_path, runpod_api=api):
        [pod] = bot.pods_named("dave-archive")
        assert pod.cost_per_hr == 0
        [gpu] = [g for g in bot.services.runpod.gpu_types(gpu_count=pod.gpu_count) if g.id == pod.gpu_type_id]
        price = gpu.price(pod.cloud, spot=pod.spot)
        assert price is not None
        book = bot.services.costs.book
        expected = price * pod.gpu_count + book.container_disk_per_hour(pod.container_disk_gb) \
            + book.volume_per_hour(pod.volume_gb, running=True)
        offer = bot.ask(ADMIN, "resume dave-archive")
        assert f"at ${expected:,.2f}/h?" in offer.title
        assert offer.data["per_hour"] == f"{expected.quantize(Decimal('0.001'), rounding=ROUND_HALF_UP)}"
