"""Buttons through `Dispatcher.act`: each action id declares the least role that may press it;
a button declaring none is refused to everyone, and every refusal is audited with its channel."""

from __future__ import annotations

from bot.dispatch import Caller, Dispatcher, needs
from podwarden.adapters.slack.reply import Reply
from podwarden.domain.access import Refused, Role


def _pressed(value: str, caller: Caller) -> Reply:
    return Reply(title=f"pressed {value}")


def _refuses(value: str, caller: Caller) -> Reply:
    raise Refused("not yours")


def _dispatcher(refusals: list[tuple[str, str, str | None]]) -> Dispatcher:
    return Dispatcher({}, actions={
        "member_button": needs(Role.MEMBER, _pressed), "admin_button": needs(Role.ADMIN, _pressed),
        "undeclared": _pressed, "refusing": needs(Role.VIEWER, _refuses),
    }, on_refusal=lambda caller, verb, why: refusals.append((caller.user_id, verb, caller.channel_id)))


def test_each_button_needs_its_declared_role_and_a_refusal_is_audited_with_the_channel() -> None:
    refusals: list[tuple[str, str, str | None]] = []
    dispatcher = _dispatcher(refusals)
    assert dispatcher.act("member_button", "x", Caller("U0M", Role.MEMBER, "C1")).title == "pressed x"
    viewer = dispatcher.act("member_button", "x", Caller("U0V", Role.VIEWER, "C1"))
    assert not viewer.ok
    assert viewer.title == "That button needs the member role; you are a viewer. Ask an admin."
    assert not dispatcher.act("admin_button", "x", Caller("U0M", Role.MEMBER, "C2")).ok
    assert dispatcher.act("admin_button", "x", Caller("U0A", Role.ADMIN)).ok
    assert refusals == [("U0V", "member_button", "C1"), ("U0M", "admin_button", "C2")]


def test_a_button_without_a_declared_role_is_refused_even_to_admins() -> None:
    refusals: list[tuple[str, str, str | None]] = []
    reply = _dispatcher(refusals).act("undeclared", "x", Caller("U0A", Role.ADMIN, "C1"))
    assert not reply.ok
    assert refusals == [("U0A", "undeclared", "C1")]


def test_a_refusal_raised_by_a_handler_is_one_line() -> None:
    reply = _dispatcher([]).act("refusing", "x", Caller("U0V", Role.VIEWER))
    assert (reply.ok, reply.title) == (False, "not yours")
