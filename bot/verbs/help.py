"""What `help` says, and what a refusal by role says: the words a newcomer reads first.

A verb above the caller's role still exists: `help start` as a viewer says what `start`
does and which role runs it, rather than pretending there is no such verb. A refusal names
the role and how to get it; outside Slack (the console, `podwarden ask`: no channel) that is
a setting and `--as`, since nobody else is at the terminal to ask.

The dispatcher imports this module inside its methods: `bot.verbs` imports the dispatcher.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.parser import BY_NAME, VERBS
from podwarden.adapters.slack.reply import Reply, Section, error_reply
from podwarden.domain.access import Role, allowed


def how_to_get(need: Role | str, *, in_slack: bool) -> str:
    """The sentence after "you are a viewer.": whom to ask, and (outside Slack) what to set."""
    if in_slack:
        return "Ask an admin."
    if need == Role.ADMIN:
        listed, env = "PODWARDEN_ADMINS", "PODWARDEN_ADMINS"
    else:
        listed, env = "PODWARDEN_MEMBERS or PODWARDEN_ADMINS", "PODWARDEN_MEMBERS"
    return (f"Ask an admin. Or act as a user id listed in {listed}: "
            f"`{env}=U0ME podwarden ask --as U0ME \"...\"` (settings seed a role the first time "
            "a user is seen; after that an admin's `role` changes it).")


def refusal(what: str, need: Role | str, have: Role | str, *, in_slack: bool) -> str:
    """`what` (a verb in backticks, or "That button") needs `need`; the caller has `have`."""
    return f"{what} needs the {need} role; you are a {have}. {how_to_get(need, in_slack=in_slack)}"


def help_reply(topic: str | None, role: Role, *, in_slack: bool, slash: str,
               ready: Callable[[str], bool]) -> Reply:
    """`help` lists the verbs `role` may run (each marked if this build cannot run it yet) and
    names the rest by the role they need; `help <verb>` explains any verb that exists."""
    mine = [v for v in VERBS if allowed(role, v.name)]
    if topic:
        verb = BY_NAME.get(topic)
        if verb is None:
            return error_reply(f"no command `{topic}` here. Try `help`.", kind="input")
        note = "" if ready(verb.name) else " (not available in this build yet)"
        lines = [verb.summary + note]
        if verb not in mine:
            lines.append(refusal(f"`{verb.name}`", verb.role, role, in_slack=in_slack))
        return Reply(
            title=f"{slash} {verb.usage}",
            sections=(Section(lines=tuple(lines)),),
            data={"verb": verb.name, "usage": verb.usage, "summary": verb.summary,
                  "available": ready(verb.name), "role": verb.role, "yours": verb in mine},
        )
    listed = tuple(f"`{v.name}` — {v.summary}" + ("" if ready(v.name) else " (coming)") for v in mine)
    footer = [f"`{slash} help <command>` shows its options."]
    if others := _others(role):
        footer.append(others)
    return Reply(
        title=f"What you can do with {slash} (as {role})",
        sections=(Section(lines=listed), Section(lines=tuple(footer))),
        data={"role": role, "verbs": [
            {"verb": v.name, "usage": v.usage, "summary": v.summary, "available": ready(v.name)}
            for v in mine
        ]},
    )


def _others(role: Role) -> str | None:
    """One line naming the verbs above `role`, by the role they need, or None for an admin."""
    above: dict[str, list[str]] = {}
    for verb in VERBS:
        if not allowed(role, verb.name):
            above.setdefault(verb.role, []).append(f"`{verb.name}`")
    if not above:
        return None
    return "Also here, for other roles: " + "; ".join(
        f"{need}s run {', '.join(names)}" for need, names in above.items()) + "."
