"""The command language: `/gpu <verb> ...` text becomes a typed command.

Slack, the console and `podwarden ask` all call `parse()`, so a command means the same
thing everywhere. Parsing never raises anything but `InputError`, whose message is one
line saying what was wrong and whose `usage` is the verb's usage line.

The grammar is deliberately small: words, `--option value` (or `--option=value`), flags,
`xN` GPU counts, and quotes for values with spaces. Slack's "smart" quotes are
straightened first, because Slack's clients type them.
"""

from __future__ import annotations

import difflib
import re
import shlex
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from bot import commands as c
from podwarden.domain.errors import InputError
from podwarden.domain.rates import parse_hours, parse_request_rate, parse_seconds

T = TypeVar("T")

_SMART_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "\u00a0": " "})
_COUNT = re.compile(r"^[x×](\d+)$", re.IGNORECASE)
_TRAILING_COUNT = re.compile(r"^(.+?\d)[x×](\d{1,2})$", re.IGNORECASE)  # a100x2, not rtx4090
_LEADING_COUNT = re.compile(r"^(\d{1,2})[x×](.*)$", re.IGNORECASE)  # "2x a100" or "2xa100"


@dataclass(frozen=True, slots=True)
class Opt:
    """One `--option`. `kind` is flag | str | int | decimal | multi (repeatable str)."""

    name: str
    kind: str = "str"
    choices: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Verb:
    name: str
    usage: str
    summary: str
    role: str  # viewer | member | admin: the least role that may run it
    options: tuple[Opt, ...] = ()
    build: Callable[[list[str], dict[str, Any]], c.Command] = field(default=lambda a, o: c.Help())
    aliases: tuple[str, ...] = ()


def _decimal(value: str, what: str) -> Decimal:
    try:
        number = Decimal(value.replace(",", "").removeprefix("$"))
    except InvalidOperation:
        raise InputError(f"{what} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise InputError(f"{what} must be a number, got {value!r}")
    return number


def _int(value: str, what: str) -> int:
    if re.fullmatch(r"\s*-\s*\d+", value):
        raise InputError(f"{what} must be zero or more, got {value!r}")
    if not re.fullmatch(r"\d+", value):
        raise InputError(f"{what} must be a whole number, got {value!r}")
    return int(value)


def _split_count(words: list[str]) -> tuple[str, int | None]:
    """GPU name words plus an optional count: `a100 x2`, `a100x2`, `2x a100`, `h100 sxm ×4`."""
    count: int | None = None
    rest: list[str] = []
    for n, word in enumerate(words):
        if m := _COUNT.match(word):  # "x2"
            count = _set_count(count, int(m.group(1)))
        elif n == 0 and (m := _LEADING_COUNT.match(word)):  # "2x" or "2x4090"
            count = _set_count(count, int(m.group(1)))
            if m.group(2):
                rest.append(m.group(2))
        elif n == len(words) - 1 and (m := _TRAILING_COUNT.match(word)):  # "a100x2"
            rest.append(m.group(1))
            count = _set_count(count, int(m.group(2)))
        else:
            rest.append(word)
    if count is not None and count < 1:
        raise InputError("the GPU count must be at least 1 (e.g. a100 x2)")
    return " ".join(rest), count


def _set_count(current: int | None, new: int) -> int:
    if current is not None:
        raise InputError("give the GPU count once (e.g. a100 x2)")
    return new


def _need(words: list[str], what: str) -> str:
    if not words:
        raise InputError(f"missing {what}")
    return " ".join(words)


def _one(words: list[str], what: str) -> str:
    if not words:
        raise InputError(f"missing {what}")
    if len(words) > 1:
        raise InputError(f"expected one {what}, got {' '.join(words)!r}")
    return words[0]


def _none(words: list[str]) -> None:
    if words:
        raise InputError(f"unexpected {' '.join(words)!r}")


def _opt(parse: Callable[[str], T], opts: dict[str, Any], name: str) -> T | None:
    """Parse option `name` with a domain parser, naming the option in its error."""
    if name not in opts:
        return None
    try:
        return parse(opts[name])
    except InputError as exc:
        named = exc.message if exc.message.startswith(name) else f"{name}: {exc.message}"
        raise InputError(named) from None


def _gb(value: str | None, what: str) -> int | None:
    if value is None:
        return None
    return _int(value.lower().removesuffix("gb"), what)


def _env(pairs: list[str]) -> tuple[tuple[str, str], ...]:
    out = []
    for pair in pairs:
        key, sep, val = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
            raise InputError(f"--env takes KEY=value, got {pair!r}")
        out.append((key, val))
    return tuple(out)


_POD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}")
_PORT = re.compile(r"(\d{1,6})/(http|tcp)")
IDLE_TIMEOUT_S = (1, 3600)
"""RunPod's bounds for a Serverless endpoint's `idleTimeout` (seconds kept warm after a job)."""


def _pod_name(value: str | None) -> str | None:
    """One word, so that `ssh <name>`, `stop <name>` and the suggested commands work as typed."""
    if value is not None and not _POD_NAME.fullmatch(value):
        raise InputError(f"--name takes one word of letters, digits, '.', '_' or '-' (at most 63), got {value!r}")
    return value


def _image(value: str | None, what: str) -> str | None:
    if value is not None and (not value.strip() or any(ch.isspace() for ch in value)):
        raise InputError(f"{what} takes an image or template with no spaces (e.g. runpod/pytorch:2.4.0), "
                         f"got {value!r}; leave {what} out for the default")
    return value


def _ports(value: str | None) -> str | None:
    """`8888/http,22/tcp`: ports 1 to 65535, http or tcp; above 70000, tcp only (RunPod maps
    such a port symmetrically, the same number inside and out)."""
    if value is None:
        return None
    parts = [p.strip() for p in value.split(",")]
    for part in parts:
        m = _PORT.fullmatch(part.lower())
        number = int(m.group(1)) if m else 0
        symmetric = m is not None and m.group(2) == "tcp" and number > 70_000
        if m is None or not (1 <= number <= 65_535 or symmetric):
            raise InputError(f"--ports takes PORT/http or PORT/tcp, ports 1 to 65535 (or above 70000 for a "
                             f"symmetric tcp port), e.g. 8888/http,22/tcp; got {part!r}")
    return ",".join(p.lower() for p in parts)


def _idle_timeout(opts: dict[str, Any]) -> int | None:
    if "--idle-timeout" not in opts:
        return None
    seconds = _int(opts["--idle-timeout"], "--idle-timeout")
    low, high = IDLE_TIMEOUT_S
    if not low <= seconds <= high:
        raise InputError(f"--idle-timeout is in seconds, {low} to {high} (RunPod's bounds), got {seconds}")
    return seconds


# -- builders: words + options -> typed command --------------------------------------------


def _help(words: list[str], opts: dict[str, Any]) -> c.Command:
    return c.Help(topic=words[0].lower() if words else None)


def _gpus(words: list[str], opts: dict[str, Any]) -> c.Command:
    _none(words)
    min_vram = _gb(opts.get("--min-vram"), "--min-vram")
    return c.Gpus(cloud=opts.get("--cloud"), min_vram_gb=min_vram)


def _quote(words: list[str], opts: dict[str, Any]) -> c.Command:
    gpu, count = _split_count(words)
    hours, per_day = _opt(parse_hours, opts, "--hours") or (None, None)
    if hours == 0 or per_day == 0:
        raise InputError("--hours must be more than zero (a quote for no time is $0)")
    requests = _opt(parse_request_rate, opts, "--requests")
    seconds = _opt(parse_seconds, opts, "--seconds")
    if (requests is None) != (seconds is None):
        raise InputError("--requests and --seconds go together (e.g. --requests 300/hour --seconds 5)")
    return c.Quote(
        gpu=_need(gpu.split(), "GPU (e.g. a100, 4090, h100 sxm)"),
        count=count or 1,
        hours=hours,
        hours_per_day=per_day,
        requests_per_hour=requests,
        seconds_per_request=seconds,
        spot=bool(opts.get("--spot")),
        cloud=opts.get("--cloud"),
        container_disk_gb=_gb(opts.get("--disk"), "--disk"),
        volume_gb=_gb(opts.get("--volume"), "--volume"),
    )


def _size(words: list[str], opts: dict[str, Any]) -> c.Command:
    params = _one(words, "model size (e.g. 7B, 70B, 1.5T)")
    context = _int(opts["--context"], "--context") if "--context" in opts else None
    batch = _int(opts["--batch"], "--batch") if "--batch" in opts else None
    if batch is not None and not 1 <= batch <= 1024:
        raise InputError(f"--batch takes 1 to 1024 sequences at once, got {batch}")
    return c.Size(params=params, dtype=opts.get("--dtype", "bf16"), context=context, cloud=opts.get("--cloud"),
                  batch=batch)


_MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")  # Slack's <@U123|name>
_GROUP = re.compile(r"^<!subteam\^(S[A-Z0-9]+)(?:\|[^>]*)?>$")  # Slack's <!subteam^S123|@group>
_USER_ID = re.compile(r"^@?([UW][A-Z0-9]{2,})$")
_GROUP_ID = re.compile(r"^@?(S[A-Z0-9]{2,})$")


def mention(word: str) -> str | None:
    """The Slack user id in `<@U123|name>`, `<@U123>`, `@U123` or `U123`, else None."""
    m = _MENTION.match(word) or _USER_ID.match(word)
    return m.group(1) if m else None


def group_mention(word: str) -> str | None:
    """The user group id in `<!subteam^S123|@name>`, `@S123` or `S123`, else None."""
    m = _GROUP.match(word) or _GROUP_ID.match(word)
    return m.group(1) if m else None


def _user(word: str, what: str = "user") -> str:
    """A mentioned user's id; a plain `@name` is kept (the service looks it up by name)."""
    user = mention(word)
    if user is not None:
        return user
    if word.startswith("@") and len(word) > 1 and re.fullmatch(r"@[\w.\-]+", word):
        return word
    raise InputError(f"expected a {what} such as @alice, got {word!r}")


def _pods(words: list[str], opts: dict[str, Any]) -> c.Command:
    scope = _one(words, "scope") if words else "mine"
    if scope.lower() in {"mine", "all"}:
        return c.Pods(scope=scope.lower())
    if scope.startswith(("@", "<@")):
        return c.Pods(scope=_user(scope))
    raise InputError(f"pods takes mine, all or @user, got {scope!r}")


def _start(words: list[str], opts: dict[str, Any]) -> c.Command:
    gpu, count = _split_count(words)
    if opts.get("--image") and opts.get("--template"):
        raise InputError("give --image or --template, not both")
    max_hours = _decimal(opts["--max-hours"], "--max-hours") if "--max-hours" in opts else None
    if max_hours is not None and not 0 < max_hours <= 24 * 365:
        raise InputError("--max-hours must be more than zero and at most a year")
    bid = _decimal(opts["--bid"].lower().removesuffix("/h"), "--bid") if "--bid" in opts else None
    if bid is not None and not opts.get("--spot"):
        raise InputError("--bid is for spot pods: add --spot")
    if bid is not None and not 0 < bid < 1000:
        raise InputError("--bid is $/h per GPU, more than zero (e.g. --bid 0.35)")
    return c.Start(
        gpu=_need(gpu.split(), "GPU (e.g. a100, 4090)"),
        count=count or 1,
        name=_pod_name(opts.get("--name")),
        image=_image(opts.get("--image"), "--image"),
        template=_image(opts.get("--template"), "--template"),
        spot=bool(opts.get("--spot")),
        cloud=opts.get("--cloud"),
        container_disk_gb=_gb(opts.get("--disk"), "--disk"),
        volume_gb=_gb(opts.get("--volume"), "--volume"),
        network_volume_id=opts.get("--network-volume"),
        env=_env(opts.get("--env", [])),
        ports=_ports(opts.get("--ports")),
        max_hours=max_hours,
        bid=bid,
    )


def _pod_verb(kind: type[c.PodAction]) -> Callable[[list[str], dict[str, Any]], c.Command]:
    def build(words: list[str], opts: dict[str, Any]) -> c.Command:
        return kind(pod=_one(words, "pod (id, name or unique prefix)"))

    return build


def _ssh_config(words: list[str], opts: dict[str, Any]) -> c.Command:
    _none(words)
    return c.SshConfig()


def _keep(words: list[str], opts: dict[str, Any]) -> c.Command:
    if words and words[0].lower() == "list":
        _none(words[1:])
        return c.KeepList()
    if words and words[0].lower() == "cancel":
        return c.KeepCancel(pod=_one(words[1:], "pod (id, name or unique prefix)"))
    if len(words) < 2:
        raise InputError("keep needs a pod and how long (e.g. keep train-1 2h, keep train-1 until 18:00)")
    until = " ".join(words[1:])
    if until.lower() == "forever":
        return c.Keep(pod=words[0], until="forever", forever=True)
    return c.Keep(pod=words[0], until=until)


def _endpoints(words: list[str], opts: dict[str, Any]) -> c.Command:
    _none(words)
    return c.Endpoints()


def _deploy(words: list[str], opts: dict[str, Any]) -> c.Command:
    name = _one(words, "endpoint name")
    for required in ("--image", "--gpu"):
        if required not in opts:
            raise InputError(f"deploy needs {required}")
    if opts.get("--flashboot") and opts.get("--no-flashboot"):
        raise InputError("give --flashboot or --no-flashboot, not both")
    return c.Deploy(
        name=name,
        image=opts["--image"],
        gpu=opts["--gpu"],
        workers_min=_int(opts["--min"], "--min") if "--min" in opts else 0,
        workers_max=_int(opts["--max"], "--max") if "--max" in opts else 3,
        idle_timeout_s=idle if (idle := _idle_timeout(opts)) is not None else 5,
        timeout_s=_int(opts["--timeout"], "--timeout") if "--timeout" in opts else 600,
        flashboot=not opts.get("--no-flashboot"),
        network_volume_id=opts.get("--network-volume"),
        env=_env(opts.get("--env", [])),
    )


def _scale(words: list[str], opts: dict[str, Any]) -> c.Command:
    endpoint = _one(words, "endpoint (id or name)")
    changes: dict[str, int] = {k: _int(opts[k], k) for k in ("--min", "--max") if k in opts}
    if (idle := _idle_timeout(opts)) is not None:
        changes["--idle-timeout"] = idle
    if not changes:
        raise InputError("scale needs at least one of --min, --max, --idle-timeout")
    return c.Scale(
        endpoint=endpoint,
        workers_min=changes.get("--min"),
        workers_max=changes.get("--max"),
        idle_timeout_s=changes.get("--idle-timeout"),
    )


def _spend(words: list[str], opts: dict[str, Any]) -> c.Command:
    period, who = "today", None
    for word in words:
        if word in {"today", "week", "month"}:
            period = word
        elif word == "team" or word.startswith(("@", "<@")):
            who = word
        elif word.startswith("team:"):
            who = _team_subject(word, "spend")
        else:
            raise InputError(f"spend takes today|week|month and @user, team (yours) or team:NAME, got {word!r}")
    return c.Spend(period=period, who=who)


_AMOUNT = re.compile(r"^\$?(\d+(?:\.\d+)?)/(hour|h|day|d|month|mo)$", re.IGNORECASE)


def _budget(words: list[str], opts: dict[str, Any]) -> c.Command:
    if not words:
        if opts:
            raise InputError("--hard and --action go with budget set")
        return c.Budget()
    if words[0] == "remove":
        if opts:
            raise InputError("--hard and --action go with budget set")
        if len(words) != 3 or words[2].lower() not in _PERIODS:
            raise InputError("budget remove takes <@user|team|global> <hour|day|month>")
        return c.BudgetRemove(subject=_budget_subject(words[1], "remove"), period=_PERIODS[words[2].lower()])
    if words[0] != "set" or len(words) != 3:
        raise InputError("budget takes nothing, or: set <user|team|global> <amount>/<hour|day|month>, "
                         "or: remove <user|team|global> <hour|day|month>")
    m = _AMOUNT.match(words[2])
    if not m:
        raise InputError(f"expected an amount per period such as 50/day or $2000/month, got {words[2]!r}")
    return c.Budget(
        subject=_budget_subject(words[1], "set"), amount=Decimal(m.group(1)), period=_PERIODS[m.group(2).lower()],
        hard=bool(opts.get("--hard")), action=opts.get("--action"),
    )


_PERIODS = {"h": "hour", "hour": "hour", "d": "day", "day": "day", "month": "month", "mo": "month"}


def _budget_subject(word: str, sub: str) -> str:
    """Whose budget, as services take it: `global`, `@U123` (a person) or `team:NAME`."""
    if word.lower() == "global":
        return "global"
    if word.startswith(("@", "<@")) or mention(word):
        return "@" + _user(word).lstrip("@")
    try:
        return _team_subject(word, f"budget {sub}")
    except InputError:
        raise InputError(f"budget {sub} takes @user, a team name or global, got {word!r}") from None


def _team_subject(word: str, what: str) -> str:
    """A team, written NAME or team:NAME, as services take it: `team:NAME` (budget, spend)."""
    subject = "team:" + word.removeprefix("team:")
    if not re.fullmatch(r"team:[\w.\-]{1,40}", subject):
        raise InputError(f"{what} takes a team as team:NAME, got {word!r}")
    return subject


def _policy(words: list[str], opts: dict[str, Any]) -> c.Command:
    _none(words)
    return c.Policy()


def _digest(words: list[str], opts: dict[str, Any]) -> c.Command:
    if words and words != ["now"]:
        raise InputError(f"digest takes nothing or 'now', got {' '.join(words)!r}")
    return c.Digest(now=bool(words))


_ROLES = ("admin", "member", "viewer")
_PREFIX = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,39}$")


def _prefix(opts: dict[str, Any]) -> str | None:
    prefix = opts.get("--prefix")
    if prefix is not None and not _PREFIX.match(prefix):
        raise InputError(f"--prefix takes the start of pod names, such as alice-, got {prefix!r}")
    return prefix


def _role(words: list[str], opts: dict[str, Any]) -> c.Command:
    if len(words) != 2:
        raise InputError("role takes @user (or @group) and admin|member|viewer")
    who, role = words[0], words[1].lower()
    if role not in _ROLES:
        raise InputError(f"role takes admin, member or viewer, got {words[1]!r}")
    group = group_mention(who)
    if group is not None:
        if "--prefix" in opts:
            raise InputError("--prefix is for a person, not a user group")
        return c.SetRole(subject=group, role=role, group=True)
    return c.SetRole(subject=_user(who), role=role, prefix=_prefix(opts))


def _team(words: list[str], opts: dict[str, Any]) -> c.Command:
    if len(words) != 2:
        raise InputError("team takes @user and a team name (or none)")
    team = words[1]
    if not re.fullmatch(r"[\w.\-]{1,40}", team):
        raise InputError(f"a team name is one word of letters, digits, '.', '-' or '_', got {team!r}")
    return c.SetTeam(user=_user(words[0]), team=None if team.lower() == "none" else team, prefix=_prefix(opts))


def _audit(words: list[str], opts: dict[str, Any]) -> c.Command:
    days = _int(opts["--days"], "--days") if "--days" in opts else 7
    if not 1 <= days <= 366:
        raise InputError("--days must be between 1 and 366")
    if not words:
        return c.Audit(days=days)
    who = _one(words, "@user or pod")
    if who.startswith(("@", "<@")):
        return c.Audit(user=_user(who), days=days)
    return c.Audit(pod=who, days=days)


_CLOUD = Opt("--cloud", choices=("secure", "community"))

VERBS: tuple[Verb, ...] = (
    Verb("help", "help [verb]", "what you can do here", "viewer", build=_help),
    Verb("gpus", "gpus [--cloud secure|community] [--min-vram GB]",
         "GPU catalog: VRAM, on-demand and spot $/h, stock", "viewer",
         (_CLOUD, Opt("--min-vram")), _gpus),
    Verb("pods", "pods [mine|all|@user]", "pods with status, GPU, $/h, uptime, utilisation, owner, cost",
         "viewer", build=_pods),
    Verb("start",
         "start <gpu> [xN] [--name N] [--image I | --template T] [--spot] [--cloud secure|community] "
         "[--disk GB] [--volume GB] [--network-volume ID] [--env K=V]... [--ports 8888/http,22/tcp] "
         "[--max-hours H] [--spot --bid $/h]",
         "quote, check caps, confirm, then create a pod", "member",
         (Opt("--name"), Opt("--image"), Opt("--template"), Opt("--spot", "flag"), _CLOUD, Opt("--disk"),
          Opt("--volume"), Opt("--network-volume"), Opt("--env", "multi"), Opt("--ports"), Opt("--max-hours"),
          Opt("--bid")),
         _start),
    Verb("stop", "stop <pod>", "stop a pod (its volume is kept)", "member", build=_pod_verb(c.Stop)),
    Verb("resume", "resume <pod>", "resume a stopped pod", "member", build=_pod_verb(c.Resume)),
    Verb("terminate", "terminate <pod>", "delete a pod and its disks (asks first)", "member",
         build=_pod_verb(c.Terminate)),
    Verb("ssh", "ssh <pod>", "the SSH command for a pod", "viewer", build=_pod_verb(c.Ssh)),
    Verb("ssh-config", "ssh-config", "an ~/.ssh/config block for all your pods", "viewer", build=_ssh_config),
    Verb("keep", "keep <pod> <2h|until 18:00|forever> | keep list | keep cancel <pod>",
         "exempt a pod from idle shutdown for a while (forever: admins)", "member", build=_keep),
    Verb("endpoints", "endpoints", "Serverless endpoints: workers, queue, $/h now", "viewer", build=_endpoints),
    Verb("deploy",
         "deploy <name> --image I --gpu G [--min N] [--max N] [--idle-timeout S] [--timeout S] "
         "[--flashboot|--no-flashboot] [--network-volume ID] [--env K=V]...",
         "create a Serverless endpoint with safe defaults (min 0)", "member",
         (Opt("--image"), Opt("--gpu"), Opt("--min"), Opt("--max"), Opt("--idle-timeout"), Opt("--timeout"),
          Opt("--flashboot", "flag"), Opt("--no-flashboot", "flag"), Opt("--network-volume"),
          Opt("--env", "multi")),
         _deploy),
    Verb("scale", "scale <endpoint> [--min N] [--max N] [--idle-timeout S]",
         "change an endpoint's workers (says what active workers cost)", "member",
         (Opt("--min"), Opt("--max"), Opt("--idle-timeout")), _scale),
    Verb("quote",
         "quote <gpu> [xN] [--hours H[/day]] [--requests N/hour --seconds S] [--spot] "
         "[--cloud secure|community] [--disk GB] [--volume GB]",
         "Pod vs Serverless vs spot, storage, break-even, a recommendation", "viewer",
         (Opt("--hours"), Opt("--requests"), Opt("--seconds"), Opt("--spot", "flag"), _CLOUD, Opt("--disk"),
          Opt("--volume")),
         _quote),
    Verb("size", "size <params e.g. 70B> [--dtype bf16|fp16|fp8|int8|int4] [--context N] [--batch N] "
         "[--cloud secure|community]",
         "VRAM a model needs and the cheapest GPUs that fit", "viewer",
         (Opt("--dtype", choices=("bf16", "fp16", "fp8", "int8", "int4")), Opt("--context"), Opt("--batch"), _CLOUD),
         _size),
    Verb("spend", "spend [today|week|month] [@user|team|team:NAME]", "spend, budget burn, forecast, balance runway",
         "viewer", build=_spend),
    Verb("budget",
         "budget [set <@user|team:NAME|global> <amount>/<hour|day|month> [--hard] [--action warn|refuse|stop]"
         " | remove <@user|team:NAME|global> <hour|day|month>]",
         "show caps (set, remove: admins)", "viewer",
         (Opt("--hard", "flag"), Opt("--action", choices=("warn", "refuse", "stop"))), _budget),
    Verb("policy", "policy", "the idle and cap policy in force", "viewer", build=_policy),
    Verb("digest", "digest [now]", "preview (or post) the weekly digest", "viewer", build=_digest),
    Verb("role", "role <@user|@group> admin|member|viewer [--prefix NAME-]",
         "who may do what (and, with --prefix, whose pods are whose by name)", "admin",
         (Opt("--prefix"),), _role),
    Verb("team", "team @user <NAME|none> [--prefix NAME-]", "whose spend is whose team's", "admin",
         (Opt("--prefix"),), _team),
    Verb("audit", "audit [@user|pod] [--days N]", "who did what, when, and what RunPod answered", "admin",
         (Opt("--days"),), _audit),
)

BY_NAME: Mapping[str, Verb] = {v.name: v for v in VERBS}


MAX_INPUT = 1000  # characters; a real command is a line, and nothing longer is echoed back
VERB_GUESS_CUTOFF = 0.75  # only a close typo (qoute, stpo) earns a "did you mean"; `clear` is not `scale`
MAX_MESSAGE = 300  # characters of one error line, so a pasted essay is never repeated whole
# —hours, –hours: what Slack and macOS make of a typed --
_DASHES = re.compile(r"(?<!\S)[\u2012\u2013\u2014\u2015]{1,2}(?=\w)")


def normalise(text: str) -> str:
    """The text as the parser reads it: NFKC (fullwidth `ａ１００` is `a100`), straight quotes,
    a leading em or en dash as `--`, and no invisible formatting characters.

    Control characters (other than tabs and newlines, read as spaces) are refused: they are
    never typed on purpose and would garble the one-line answer."""
    text = unicodedata.normalize("NFKC", text.translate(_SMART_QUOTES))
    bad = next((ch for ch in text if unicodedata.category(ch) == "Cc" and ch not in "\t\n\r"), None)
    if bad is not None:
        raise InputError(f"could not read that: it contains the control character U+{ord(bad):04X}")
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return _DASHES.sub("--", text)


def tokenize(text: str) -> list[str]:
    if len(text) > MAX_INPUT:
        raise InputError(f"that is {len(text):,} characters; a command is at most {MAX_INPUT:,}")
    readable = normalise(text)
    try:
        return shlex.split(readable)
    except ValueError as exc:  # unbalanced quotes
        raise InputError(f"could not read that: {exc} (check your quotes)") from None


def shorten(message: str, limit: int = MAX_MESSAGE) -> str:
    """One error line at most `limit` characters long (an ellipsis says it was cut)."""
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def parse(text: str) -> c.Command:
    """Parse one command line (without the slash command itself)."""
    try:
        words = tokenize(text)
    except InputError as exc:
        raise InputError(shorten(exc.message)) from None
    if not words:
        return c.Help()
    name = words[0].lower()
    verb = BY_NAME.get(name)
    if verb is None:
        guess = difflib.get_close_matches(name, list(BY_NAME), n=1, cutoff=VERB_GUESS_CUTOFF)
        hint = f"; did you mean `{guess[0]}`?" if guess else "."
        raise InputError(shorten(f"unknown command `{shorten(name, 40)}`{hint} Try `help`."))
    try:
        positional, options = _options(verb, words[1:])
        command = verb.build(positional, options)
    except InputError as exc:
        raise InputError(shorten(exc.message), usage=verb.usage) from None
    if isinstance(command, c.Help) and command.topic is not None and command.topic not in BY_NAME:
        guess = difflib.get_close_matches(command.topic, list(BY_NAME), n=1, cutoff=VERB_GUESS_CUTOFF)
        hint = f"; did you mean `{guess[0]}`?" if guess else "."
        raise InputError(f"no command `{shorten(command.topic, 40)}`{hint} Try `help`.", usage=verb.usage)
    return command


def _options(verb: Verb, words: list[str]) -> tuple[list[str], dict[str, Any]]:
    known = {o.name: o for o in verb.options}
    for o in verb.options:
        for alias in o.aliases:
            known[alias] = o
    positional: list[str] = []
    options: dict[str, Any] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if not word.startswith("--") or word == "--":
            positional.append(word)
            i += 1
            continue
        key, eq, inline = word.partition("=")
        opt = known.get(key.lower())
        if opt is None:
            guess = difflib.get_close_matches(key, list(known), n=1)
            hint = f"; did you mean {guess[0]}?" if guess else ""
            raise InputError(f"`{verb.name}` has no option {key}{hint}")
        if opt.kind == "flag":
            if eq:
                raise InputError(f"{opt.name} takes no value")
            options[opt.name] = True
            i += 1
            continue
        if eq:
            value = inline
            i += 1
        elif i + 1 < len(words) and not words[i + 1].startswith("--"):
            value = words[i + 1]
            i += 2
        else:
            raise InputError(f"{opt.name} needs a value")
        if opt.choices and value.lower() not in opt.choices:
            raise InputError(f"{opt.name} takes {'|'.join(opt.choices)}, got {value!r}")
        if opt.choices:
            value = value.lower()
        if opt.kind == "multi":
            options.setdefault(opt.name, []).append(value)
        elif opt.name in options:
            raise InputError(f"{opt.name} given twice")
        else:
            options[opt.name] = value
    return positional, options
