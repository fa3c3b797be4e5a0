"""Hostile input, everywhere a person can type: the parser, the console, `podwarden ask`, settings.

The promise (docs/command-language.md): any text gives either an answer or one line
saying what was wrong, plus the verb's usage, and never a traceback. On the command line
bad input exits with status 2; a bug inside a handler is an internal error (logged, exit
1), never dressed up as bad input.
"""

from __future__ import annotations

import io
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot import console
from bot.parser import BY_NAME, MAX_MESSAGE, VERBS, parse, tokenize
from podwarden.cli import EXIT_FAILED, EXIT_USAGE, main
from podwarden.errors import ConfigError, InputError
from podwarden.settings import Settings, load_settings

pytestmark = pytest.mark.usefixtures("podwarden_env", "fuzzer_is_admin")

FUZZER = "U0FUZZ"  # the console's user; `ask` runs as its default, U0CONSOLE


@pytest.fixture
def fuzzer_is_admin(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both users are admins, so no command stops at the role check: every handler is fuzzed."""
    monkeypatch.setenv("PODWARDEN_ADMINS", f"{FUZZER},U0CONSOLE")

# What people (and their keyboards, clipboards and chat clients) really send.
HOSTILE = (
    "9" * 400, "99999999999999999999", "-1", "0", "-0", "0.0000001", "1e999", "NaN", "inf", "-inf",
    "٣", "𝟗𝟗", "１２", "٧B", "ａ１００", "🚀", "💸💸", "\u202e", "\u200b", "a\u200bb", "—hours", "–spot", "—",
    "$", "--", "=", "'x'", "\\", "@", "<@U012AB3CD>", "%s", "{}", "0/hour", "1/0", ".", "-", "x0", "x99",
    "99x", "2x", "1.5T", "7", "7M", "7K", "500ms", "8/day", "25/day", "1,000", "$-5", "x" * 700, "null",
    "None", "true", "\t", "until 99:99", "forever", "mine", "all", "team", "now", "set", "global",
)
_TOKENS = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(min_size=1, max_size=12),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),  # utf-8 has no surrogates
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.decimals(allow_nan=True, allow_infinity=True).map(str),
)


@st.composite
def command_lines(draw: st.DrawFn) -> str:
    """A verb (usually a real one), its options (real and misspelt) and hostile values."""
    verb = draw(st.sampled_from([v.name for v in VERBS] + ["qoute", "", "GPUS", "／gpu"]))
    options = [o.name for o in BY_NAME[verb].options] if verb in BY_NAME else []
    words = [verb]
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        if draw(st.booleans()) and options:
            words.append(draw(st.sampled_from([*options, "--nope", "--hours=", "—hours"])))
        words.append(draw(_TOKENS))
    return " ".join(words)


def _refusal(text: str) -> InputError | None:
    """The parser's one-line refusal of `text`, or None when it reads as a command."""
    try:
        parse(text)
    except InputError as error:
        return error
    return None


def _check_error(error: InputError, text: str) -> None:
    """One line, not too long, and the verb's usage whenever the text named a verb."""
    assert "\n" not in error.message
    assert 0 < len(error.message) <= MAX_MESSAGE
    try:
        words = tokenize(text)
    except InputError:
        return  # unreadable as a whole (too long, a control character, an open quote): no verb to name
    verb = BY_NAME.get(words[0].lower()) if words else None
    if verb is not None:
        assert error.usage == verb.usage, (text, error.message)
    else:
        assert error.usage is None
        assert error.message.startswith("unknown command")


# -- the parser the bot, the console and the CLI share ----------------------------------------


@settings(max_examples=600, deadline=None)
@given(command_lines())
def test_the_parser_answers_a_command_or_one_line(text: str) -> None:
    error = _refusal(text)  # anything but InputError escapes and fails the test
    if error is not None:
        _check_error(error, text)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_the_parser_never_raises_anything_but_input_error_on_any_text(text: str) -> None:
    error = _refusal(text)
    assert error is None or "\n" not in error.message


@pytest.mark.parametrize("verb", [v.name for v in VERBS if any(o.choices for o in v.options)])
def test_an_option_with_choices_names_the_bad_value_and_gives_usage(verb: str) -> None:
    for option in (o for o in BY_NAME[verb].options if o.choices):
        with pytest.raises(InputError) as caught:
            parse(f"{verb} {option.name} 🚀{'x' * 900}")
        assert caught.value.message.startswith(f"{option.name} takes {'|'.join(option.choices)}, got '🚀xxx")
        assert caught.value.usage == BY_NAME[verb].usage
        assert len(caught.value.message) <= MAX_MESSAGE


def test_a_long_input_is_refused_without_echoing_it() -> None:
    with pytest.raises(InputError) as caught:
        parse("quote " + "a" * 10_000)
    assert caught.value.message == "that is 10,006 characters; a command is at most 1,000"
    with pytest.raises(InputError) as echoed:
        parse("quote a100 --cloud " + "q" * 900)
    assert len(echoed.value.message) <= MAX_MESSAGE
    assert echoed.value.message.endswith("…")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("quote a100 —hours 8/day", "hours_per_day=Decimal('8')"),
        ("quote a100 –spot", "spot=True"),
        ("quote ａ１００ ｘ２", "count=2"),
        ("size ７０Ｂ", "params='70B'"),
        ("quote a100\u200b --hours 3", "gpu='a100'"),
    ],
)
def test_what_chat_clients_make_of_typed_text_reads_as_typed(text: str, expected: str) -> None:
    assert expected in repr(parse(text))


def test_a_control_character_is_named() -> None:
    with pytest.raises(InputError) as caught:
        parse("quote a100 --hours \x1b[31m3")
    assert caught.value.message == "could not read that: it contains the control character U+001B"


# -- the console: one services build, many lines ------------------------------------------------

_SEPARATOR = "ｍａｒｋｅｒ"  # reads as `marker`: an unknown command whose answer splits the output


def _console_answers(lines: list[str]) -> list[tuple[str, str | None]]:
    """Each line's answer and whose it was (the dispatcher's `Reply.kind`, "raised" when a
    handler raised, None when the dispatcher was not reached), in order: the lines are fed
    with a separator between them, and the dispatcher is watched to pair kinds with lines."""
    from bot.dispatch import Dispatcher

    out = io.StringIO()
    kinds: list[str | None] = []
    pending: list[str] = []

    def watched(real: Any) -> Any:
        def run(self: Dispatcher, first: str, *rest: Any) -> Any:
            try:
                reply = real(self, first, *rest)
            except Exception:
                pending.append("raised")
                raise
            if first == _SEPARATOR:
                kinds.append(pending[0] if pending else None)
                pending.clear()
            else:
                pending.append(reply.kind)
            return reply
        return run

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Dispatcher, "handle", watched(Dispatcher.handle))
        patch.setattr(Dispatcher, "act", watched(Dispatcher.act))
        console.repl(user=FUZZER, sim=True, lines=[part for line in lines for part in (line, _SEPARATOR)], out=out)
    answers: list[str] = []
    current: list[str] = []
    for row in out.getvalue().splitlines()[1:]:  # after the banner
        if row.startswith("unknown command `marker`"):
            answers.append("\n".join(current))
            current = []
        else:
            current.append(row)
    assert len(kinds) == len(answers), (kinds, answers)
    return list(zip(answers, kinds, strict=True))


def _check_answer(line: str, answer: str, kind: str | None) -> None:
    """The console's promise for one typed line, as an admin (so every handler is reached):
    a command that parses gets a real answer (kind `answer`) or one bad-input line and its
    usage (kind `input`); never "Internal error", a refusal or a failure. The one named
    exception is a pressed button (a number): its Confirm asks RunPod to create, stop or
    delete, and RunPod may say no (no capacity, spend limit, balance): one "RunPod: …" line."""
    assert "Traceback" not in answer
    assert "Internal error" not in answer, (line, answer)
    assert kind != "raised", (line, answer)
    stripped = line.strip().removeprefix("/gpu").strip()
    if not stripped:
        return
    if stripped.isdecimal() and stripped.isascii():  # a number presses a button, or says none has it
        if answer.startswith(f"No button [{int(stripped)}] here; "):
            return
        assert kind in {"answer", "input"} or (kind == "failure" and answer.startswith("RunPod: ")), (line, answer)
        return
    error = _refusal(stripped)
    if error is not None:
        first, *rest = answer.splitlines() or [""]
        assert first == error.message, (line, answer)
        assert [r for r in rest if r] in ([], [f"Usage: {error.usage}"]), (line, answer)
        return
    assert kind in {"answer", "input"}, (line, kind, answer)
    words = tokenize(stripped)  # it parsed, so it tokenizes (to nothing, for a lone zero-width space)
    verb_name = words[0].lower() if words else ""
    if kind == "input":  # a service judged the meaning: one line and the verb's usage, as the parser's
        first, *rest = [row for row in answer.splitlines() if row]
        verb = BY_NAME.get(verb_name)
        assert verb is not None, (line, answer)
        assert rest in ([], [f"Usage: {verb.usage}"]), (line, answer)
        assert rest or verb.name == "help", (line, answer)  # only `help <no such verb>` has no usage
    # An answer may quote a bad value, never a whole paste or a 400-digit number.
    for word in stripped.split():
        if len(word) > 60:
            assert word not in answer, (line, answer)


def _quits(line: str) -> bool:
    return line.strip().removeprefix("/gpu").strip() in {"quit", "exit", "q"}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(command_lines(), min_size=20, max_size=40))
def test_the_console_answers_every_line_without_a_traceback(lines: list[str]) -> None:
    lines = [line for line in lines if not _quits(line)]
    answers = _console_answers(lines)
    assert len(answers) == len(lines)
    for line, (answer, kind) in zip(lines, answers, strict=True):
        _check_answer(line, answer, kind)


def test_the_console_answers_every_verb_with_every_hostile_value() -> None:
    lines = []
    for verb in VERBS:
        for value in HOSTILE:
            lines.append(f"{verb.name} {value}")
            for option in verb.options[:3]:
                lines.append(f"{verb.name} {option.name} {value}")
    answers = _console_answers(lines)
    assert len(answers) == len(lines)
    for line, (answer, kind) in zip(lines, answers, strict=True):
        _check_answer(line, answer, kind)


# -- podwarden ask -----------------------------------------------------------------------------


def _ask(text: str) -> tuple[int, str, str]:
    """`podwarden ask --sim TEXT`: its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with _captured(out, err):
        code = main(["ask", "--sim", text])
    return code, out.getvalue(), err.getvalue()


def _check_ask(text: str, code: int, out: str, err: str) -> None:
    """`ask`'s promise, as an admin: a command that parses is answered (exit 0) or gets one
    bad-input line and its usage (exit 2). Exit 1 (an internal error, a refusal, a failure)
    fails: `ask` cannot press buttons, so no typed command asks RunPod to change anything
    and none may fail on RunPod's answer. Text the parser refuses: its line, exit 2."""
    assert "Traceback" not in out + err
    assert "internal error" not in err.lower(), (text, err)
    stripped = text.split(None, 1)[1] if text.lstrip().startswith("/") and len(text.split()) > 1 else text
    error = _refusal(stripped)
    lines = [line for line in out.splitlines() if line]
    if error is None:
        assert code in {0, EXIT_USAGE}, (text, code, out, err)
        if code == EXIT_USAGE:  # a service found the input bad: one line and the usage, as the parser's
            assert 1 <= len(lines) <= 2, (text, out)
            assert all(line.startswith("Usage: ") for line in lines[1:]), (text, out)
        return
    assert code == EXIT_USAGE, (text, out, err)
    assert 1 <= len(lines) <= 2
    assert lines[0] == error.message
    assert lines[1:] == ([f"Usage: {error.usage}"] if error.usage else [])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(command_lines())
def test_ask_answers_a_command_or_exits_2_with_one_line_and_usage(text: str) -> None:
    if not text.strip() or (text.lstrip().startswith("/") and len(text.split()) == 1):
        return  # nothing to run: covered by test_ask_without_a_command
    _check_ask(text, *_ask(text))


# Commands that parse and reach the cost engine: a bug planted there must fail both properties.
QUOTES = ("quote a100", "quote 4090 --hours 3 --spot", "quote a4000 --requests 300/hour --seconds 5")


def test_the_properties_catch_a_handler_that_always_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    for text in QUOTES:  # unplanted, the properties hold on these examples
        _check_ask(text, *_ask(text))
    for line, (answer, kind) in zip(QUOTES, _console_answers(list(QUOTES)), strict=True):
        _check_answer(line, answer, kind)

    from podwarden.services.costs import CostService

    def planted(self: CostService, *args: object, **kwargs: object) -> object:
        raise RuntimeError("planted bug")

    monkeypatch.setattr(CostService, "quote", planted)
    for text in QUOTES:
        code, out, err = _ask(text)
        assert code == EXIT_FAILED
        with pytest.raises(AssertionError):
            _check_ask(text, code, out, err)
        with pytest.raises(AssertionError):  # the exit status alone is enough to fail it
            _check_ask(text, code, out, "")
    for line, (answer, kind) in zip(QUOTES, _console_answers(list(QUOTES)), strict=True):
        assert kind == "raised"
        with pytest.raises(AssertionError):
            _check_answer(line, answer, kind)
        with pytest.raises(AssertionError):  # the text alone is enough to fail it
            _check_answer(line, answer, None)


def test_ask_reads_its_flags_anywhere_and_a_pasted_slash_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "quote a100 --hours 8/day", "--json", "--sim"]) == 0
    out = capsys.readouterr().out
    assert out.lstrip().startswith("{")
    assert '"ok": true' in out
    assert main(["ask", "/gpu", "quote", "a100", "--sim", "--as", "U0SOMEONE"]) == 0
    assert "Quote: 1 × A100 PCIe" in capsys.readouterr().out
    assert main(["ask", "--sim", "/gpu quote a100 —hours 3"]) == 0
    assert "one 3 h run" in capsys.readouterr().out


def test_ask_bad_input_as_json_is_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ask", "--json", "quote a100 --hours -3"]) == EXIT_USAGE
    out = capsys.readouterr().out
    assert out.startswith('{"ok": false, "error": "--hours: hours cannot be negative')
    assert '"usage": "quote <gpu>' in out


def test_a_bug_in_a_handler_is_an_internal_error_not_bad_input(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    from podwarden.services.costs import CostService

    def planted(self: CostService, **kwargs: object) -> object:
        return Decimal(1) / Decimal(0)

    monkeypatch.setattr(CostService, "quote", planted)
    with caplog.at_level(logging.ERROR, logger="podwarden"):
        assert main(["ask", "--sim", "quote a100"]) == EXIT_FAILED
    captured = capsys.readouterr()
    assert captured.err == "podwarden: internal error in `ask` (logged above); please report it\n"
    assert "Usage:" not in captured.out + captured.err
    assert "DivisionByZero" in caplog.text or "ZeroDivision" in caplog.text or "InvalidOperation" in caplog.text

    # The console logs it, says so, and carries on: one bug does not end the session.
    monkeypatch.setattr("sys.stdin", io.StringIO("quote a100\nsize 7B\n"))
    assert main(["console", "--sim"]) == 0
    out = capsys.readouterr().out
    assert "Internal error (logged); that command did nothing you can rely on." in out
    assert "Usage:" not in out
    assert "7B at BF16 needs" in out  # the next command is answered


# -- settings ----------------------------------------------------------------------------------

SETTING_VALUES = (
    "9" * 400, "99999999999999999999", "-1", "0", "1e999", "NaN", "٣", "１２", "🚀", "x" * 10_000, "",
    " ", "\x1b[31m", "99999999999d", "25:99", "sqlite://", "https://", "true",
)


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_takes_any_text_or_names_itself_in_one_line(
    monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    variable = f"PODWARDEN_{name.upper()}"
    for value in SETTING_VALUES:
        monkeypatch.setenv(variable, value)
        try:
            load_settings(env_file=None)
        except ConfigError as error:
            message = str(error)
            assert message.startswith(f"{variable}:"), message
            assert "\n" not in message
            assert len(message) <= 400, message


@pytest.mark.parametrize("value", ["99999999999d", "x" * 10_000, "\x1b[31m", "٣"])
def test_a_bad_setting_on_the_command_line_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], value: str, tmp_path: Path
) -> None:
    monkeypatch.setenv("PODWARDEN_IDLE_AFTER", value)
    assert main(["ask", "--sim", "gpus"]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.startswith("podwarden: PODWARDEN_IDLE_AFTER: ")
    assert err.count("\n") == 1
    assert len(err) < 400


class _captured:
    """Redirect stdout and stderr to buffers (capsys cannot be used inside @given)."""

    def __init__(self, out: io.StringIO, err: io.StringIO) -> None:
        import contextlib

        self._stack = contextlib.ExitStack()
        self._out, self._err = out, err
        self._redirect = (contextlib.redirect_stdout(out), contextlib.redirect_stderr(err))

    def __enter__(self) -> None:
        for r in self._redirect:
            self._stack.enter_context(r)

    def __exit__(self, *exc: object) -> None:
        self._stack.close()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_on_the_command_line_is_a_result_or_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    """`doctor --local` (no network) with each setting set to a hostile value: one FAIL line
    naming the variable, or the checks themselves; never a traceback, never the paste."""
    variable = f"PODWARDEN_{name.upper()}"
    for value in ("x" * 10_000, "٣", "-1"):
        monkeypatch.setenv(variable, value)
        code = main(["doctor", "--local"])
        captured = capsys.readouterr()
        assert code in {0, 1}
        assert "Traceback" not in captured.out + captured.err
        assert "x" * 100 not in captured.out + captured.err
        failed = [line for line in captured.out.splitlines() if line.startswith("FAIL settings:")]
        if failed:
            assert failed[0].startswith(f"FAIL settings: {variable}:")
