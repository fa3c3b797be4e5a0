"""The one command parser: typed commands from Slack-style text, and one-line errors with usage."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import commands as c
from bot.parser import VERBS, mention, parse
from podwarden.domain.access import ROLES
from podwarden.domain.errors import InputError


def test_every_design_verb_is_known() -> None:
    design = [
        "help", "gpus", "pods", "start", "stop", "resume", "terminate", "ssh", "ssh-config", "keep",
        "endpoints", "deploy", "scale", "quote", "size", "spend", "budget", "policy", "digest",
        "role", "team", "audit",
    ]
    assert [v.name for v in VERBS] == design


def test_the_help_roles_agree_with_the_role_table() -> None:
    assert {v.name: v.role for v in VERBS} == {v.name: ROLES[v.name].value for v in VERBS}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quote a100 --hours 24/day", c.Quote(gpu="a100", hours_per_day=Decimal(24))),
        ("quote a100 --hours 36", c.Quote(gpu="a100", hours=Decimal(36))),
        ("quote h100 sxm x4 --spot --cloud community", c.Quote(gpu="h100 sxm", count=4, spot=True, cloud="community")),
        ("quote a100x2", c.Quote(gpu="a100", count=2)),
        ("quote 2x a100", c.Quote(gpu="a100", count=2)),
        ("quote mi300x", c.Quote(gpu="mi300x")),
        ("quote rtx4090", c.Quote(gpu="rtx4090")),
        ("quote rtx3090 x2", c.Quote(gpu="rtx3090", count=2)),
        ("quote h100x8", c.Quote(gpu="h100", count=8)),
        ("quote 2x4090", c.Quote(gpu="4090", count=2)),
        ("quote a4000 --requests 350/hour --seconds 5",
         c.Quote(gpu="a4000", requests_per_hour=Decimal(350), seconds_per_request=Decimal(5))),
        ("QUOTE a100 --hours=8h/day --disk 50GB", c.Quote(gpu="a100", hours_per_day=Decimal(8), container_disk_gb=50)),
        ("size 70B --dtype INT4 --context 8192", c.Size(params="70B", dtype="int4", context=8192)),
        ("gpus --min-vram 48", c.Gpus(min_vram_gb=48)),
        ("pods", c.Pods(scope="mine")),
        ("pods all", c.Pods(scope="all")),
        ("stop train-1", c.Stop(pod="train-1")),
        ("keep train-1 until 18:00", c.Keep(pod="train-1", until="until 18:00")),
        ('start 4090 --name "my-pod" --env A=1 --env B=x=y',
         c.Start(gpu="4090", name="my-pod", env=(("A", "1"), ("B", "x=y")))),
        ("start a100 --name “smart_quotes.v2”", c.Start(gpu="a100", name="smart_quotes.v2")),
        ("start a100 --ports 8888/HTTP,22/tcp,70001/tcp", c.Start(gpu="a100", ports="8888/http,22/tcp,70001/tcp")),
        ("scale infer --idle-timeout 3600", c.Scale(endpoint="infer", idle_timeout_s=3600)),
        ("scale infer --idle-timeout 1", c.Scale(endpoint="infer", idle_timeout_s=1)),
        ("budget set team:ml 50/day --hard", c.Budget(subject="team:ml", amount=Decimal(50), period="day", hard=True)),
        ("spend week team:ml", c.Spend(period="week", who="team:ml")),
        ("spend team", c.Spend(who="team")),
        ("spend month <@U012AB3CD>", c.Spend(period="month", who="<@U012AB3CD>")),
        ("scale infer --min 0", c.Scale(endpoint="infer", workers_min=0)),
        ("deploy infer --image org/w:1 --gpu a100 --no-flashboot",
         c.Deploy(name="infer", image="org/w:1", gpu="a100", flashboot=False)),
        ("", c.Help()),
        ("help quote", c.Help(topic="quote")),
    ],
)
def test_text_becomes_a_typed_command(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "usage_starts"),
    [
        ("quote", "missing GPU", "quote <gpu>"),
        ("quote a100 --hours -3", "--hours: hours cannot be negative", "quote <gpu>"),
        ("quote a100 --hours 0", "--hours must be more than zero", "quote <gpu>"),
        ("quote a100 --hours 0/day", "--hours must be more than zero", "quote <gpu>"),
        ("quote a100 --hours lots", "--hours takes hours such as 10 or 8/day, got 'lots'", "quote <gpu>"),
        ("quote a100 --requests 300/hour", "--requests and --seconds go together", "quote <gpu>"),
        ("quote a100 --hourz 3", "`quote` has no option --hourz; did you mean --hours?", "quote <gpu>"),
        ("quote a100 --hours", "--hours needs a value", "quote <gpu>"),
        ("quote a100 x0", "the GPU count must be at least 1", "quote <gpu>"),
        ("size banana eggs", "expected one model size", "size <params"),
        ("gpus --cloud mars", "--cloud takes secure|community, got 'mars'", "gpus"),
        ("stop", "missing pod", "stop <pod>"),
        ("start a100 --image x --template y", "give --image or --template, not both", "start <gpu>"),
        ("start a100 --env NOEQUALS", "--env takes KEY=value", "start <gpu>"),
        ("budget set team lots", "expected an amount per period", "budget"),
        ("start 4090 --ports 99999/http", "--ports takes PORT/http or PORT/tcp, ports 1 to 65535", "start <gpu>"),
        ("start 4090 --ports 0/tcp", "got '0/tcp'", "start <gpu>"),
        ("start 4090 --ports 8888/udp", "got '8888/udp'", "start <gpu>"),
        ("start 4090 --ports 8888/http,", "got ''", "start <gpu>"),
        ('start 4090 --name "bad name!!"', "--name takes one word of letters, digits", "start <gpu>"),
        (f"start 4090 --name {'a' * 64}", "(at most 63)", "start <gpu>"),
        ('start 4090 --image ""', "--image takes an image or template with no spaces", "start <gpu>"),
        ('start 4090 --template " "', "leave --template out for the default", "start <gpu>"),
        ("scale infer --idle-timeout 99999999", "--idle-timeout is in seconds, 1 to 3600 (RunPod's bounds), "
         "got 99999999", "scale <endpoint>"),
        ("scale infer --idle-timeout 0", "1 to 3600", "scale <endpoint>"),
        ("deploy e --image a/b:1 --gpu a100 --idle-timeout 3601", "1 to 3600", "deploy"),
        ("spend team:", "spend takes a team as team:NAME, got 'team:'", "spend [today|week|month] [@user|team|team:"),
        ("spend vision", "spend takes today|week|month and @user, team (yours) or team:NAME, got 'vision'", "spend"),
        ('quote "a100', "could not read that", None),
    ],
)
def test_bad_input_is_one_line_and_the_usage(text: str, message: str, usage_starts: str | None) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    if usage_starts is None:
        assert caught.value.usage is None
    else:
        assert caught.value.usage is not None
        assert caught.value.usage.startswith(usage_starts)


def test_an_unknown_verb_suggests_the_closest() -> None:
    with pytest.raises(InputError, match="unknown command `qoute`; did you mean `quote`"):
        parse("qoute a100")


@pytest.mark.parametrize("word", ["clear", "list", "status", "sshkey"])  # once: scale, digest, start, ssh
def test_a_word_that_is_no_close_typo_of_a_verb_gets_no_guess(word: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(word)
    assert caught.value.message == f"unknown command `{word}`. Try `help`."


@pytest.mark.parametrize(("typo", "verb"), [("stpo", "stop"), ("budgte", "budget"), ("hepl", "help")])
def test_close_typos_still_get_their_verb(typo: str, verb: str) -> None:
    with pytest.raises(InputError, match=f"did you mean `{verb}`"):
        parse(typo)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("budget remove global day", c.BudgetRemove(subject="global", period="day")),
        ("budget remove ml month", c.BudgetRemove(subject="team:ml", period="month")),
        ("budget remove <@U012AB3CD> h", c.BudgetRemove(subject="@U012AB3CD", period="hour")),
    ],
)
def test_budget_remove_names_whose_cap_and_which_period(text: str, command: c.Command) -> None:
    assert parse(text) == command
    assert command.permission == "budget remove"


@pytest.mark.parametrize("text", ["budget remove global", "budget remove global week", "budget remove global day x",
                                  "budget remove global day --hard"])
def test_a_malformed_budget_remove_is_refused_with_the_usage(text: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert caught.value.usage is not None
    assert "remove" in caught.value.usage


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("role <@U123ABC|alice> admin", c.SetRole(subject="U123ABC", role="admin")),
        ("role <@U123ABC> Member --prefix alice-", c.SetRole(subject="U123ABC", role="member", prefix="alice-")),
        ("role @alice viewer", c.SetRole(subject="@alice", role="viewer")),
        ("role <!subteam^S0OPS|@ops> member", c.SetRole(subject="S0OPS", role="member", group=True)),
        ("team <@U123ABC|alice> ml", c.SetTeam(user="U123ABC", team="ml")),
        ("team @U123ABC none --prefix al-", c.SetTeam(user="U123ABC", team=None, prefix="al-")),
        ("audit", c.Audit()),
        ("audit <@U0BOB|bob> --days 30", c.Audit(user="U0BOB", days=30)),
        ("audit train-1", c.Audit(pod="train-1")),
        ("keep list", c.KeepList()),
        ("keep cancel train-1", c.KeepCancel(pod="train-1")),
        ("keep train-1 forever", c.Keep(pod="train-1", until="forever", forever=True)),
        ("keep train-1 until 18:00", c.Keep(pod="train-1", until="until 18:00")),
        ("budget set global 50/day", c.Budget(subject="global", amount=Decimal(50), period="day")),
        ("budget set <@U0BOB|bob> $5/h --hard", c.Budget(subject="@U0BOB", amount=Decimal(5), period="hour",
                                                         hard=True)),
        ("budget set ml 2000/month --action stop", c.Budget(subject="team:ml", amount=Decimal(2000), period="month",
                                                           action="stop")),
        ("start a100 --spot --bid 0.45", c.Start(gpu="a100", spot=True, bid=Decimal("0.45"))),
        ("start 4090 --spot --bid $0.30/h", c.Start(gpu="4090", spot=True, bid=Decimal("0.30"))),
        ("pods <@U0BOB|bob>", c.Pods(scope="U0BOB")),
        ("pods ALL", c.Pods(scope="all")),
    ],
)
def test_bot_verbs_parse(text: str, expected: c.Command) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("role <@U1AB|x> king", "role takes admin, member or viewer"),
        ("role <@U1AB|x>", "role takes @user"),
        ("role alice admin", "expected a user such as @alice"),
        ("role <!subteam^S1AB> admin --prefix x-", "--prefix is for a person"),
        ("team <@U1AB> two words here", "team takes @user and a team name"),
        ("team <@U1AB> ml --prefix '-x'", "--prefix takes the start of pod names"),
        ("audit --days 0", "--days must be between 1 and 366"),
        ("audit a b", "expected one @user or pod"),
        ("keep list now", "unexpected 'now'"),
        ("keep cancel", "missing pod"),
        ("start a100 --bid 0.4", "--bid is for spot pods"),
        ("start a100 --spot --bid 0", "--bid is $/h per GPU"),
        ("start a100 --spot --bid cheap", "--bid must be a number"),
        ("budget --hard", "--hard and --action go with budget set"),
        ("budget set global 5/day --action explode", "--action takes warn|refuse|stop"),
        ("budget set 'a b' 5/day", "budget set takes @user, a team name or global"),
        ("pods alice", "pods takes mine, all or @user"),
    ],
)
def test_bot_verb_errors_are_one_line_with_usage(text: str, error: str) -> None:
    with pytest.raises(InputError) as caught:
        parse(text)
    assert error in caught.value.message
    assert caught.value.usage


def test_sub_commands_carry_their_permission() -> None:
    assert parse("budget").permission == "budget"
    assert parse("budget set global 5/day").permission == "budget set"
    assert parse("keep p 2h").permission == "keep"
    assert parse("keep p forever").permission == "keep forever"
    assert parse("keep cancel p").permission == "keep cancel"
    assert parse("digest now").permission == "digest now"
    assert all(parse(t).permission in ROLES for t in ("pods", "role @U1AB admin", "audit", "keep list"))


def test_slack_mentions_are_read_as_user_ids() -> None:
    assert mention("<@U024BE7LH|bob>") == "U024BE7LH"
    assert mention("<@W024BE7LH>") == "W024BE7LH"
    assert mention("@U024BE7LH") == "U024BE7LH"
    assert mention("<#C024BE7LR|general>") is None
    assert mention("bob") is None


_WORDS = st.sampled_from([v.name for v in VERBS] + [
    "<@U1AB|x>", "<!subteam^S1|@g>", "@", "<@", "--bid", "--spot", "--prefix", "--days", "--action", "forever",
    "list", "cancel", "set", "global", "5/day", "$", "x2", "'", '"', "—", "until", "18:00", "--", "=",
])


@given(st.lists(st.one_of(_WORDS, st.text(max_size=12)), max_size=8))
def test_random_text_raises_nothing_but_input_errors(words: list[str]) -> None:
    try:
        command = parse(" ".join(words))
    except InputError as exc:
        message = exc.message
    else:
        assert command.permission in ROLES
        return
    assert message
    assert "\n" not in message
