"""Would a new pod fit the caps? `domain.caps.check`, with literal budgets and literal answers."""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.caps import Cap, CapCheck, Usage, action_of, check

D = Decimal


def test_an_hourly_cap_counts_what_runs_now_plus_the_new_rate() -> None:
    cap = Cap("user", "U0ALICE", D("5.00"), "hour", "refuse")
    running = {("user", "U0ALICE"): Usage(rate=D("3.00"))}
    assert check(D("2.00"), [cap], running).allowed  # $5.00/h: at the cap, not over it
    over = check(D("2.01"), [cap], running)
    assert over.refusals == ("<@U0ALICE>'s budget: $5.01/h against a cap of $5.00/h",)
    assert over.warnings == ()


def test_a_daily_or_monthly_cap_counts_what_was_spent_plus_one_hour_of_the_new_pod() -> None:
    day = Cap("team", "vision", D("40"), "day", "warn")
    month = Cap("team", "vision", D("1000"), "month", "refuse")
    spent = {("team", "vision"): Usage(rate=D("9"), today=D("38.50"), month=D("998.50"))}
    result = check(D("1.89"), [day, month], spent)
    assert result.warnings == (
        "team vision's budget: $38.50 spent this day + $1.89 for the first hour, against $40.00",)
    assert result.refusals == ("team vision's budget: $998.50 spent this month + $1.89 for the first hour, "
                               "against $1000.00",)
    assert check(D("1.50"), [day], spent) == CapCheck()  # $40.00 exactly: within


def test_a_subject_with_nothing_recorded_has_spent_nothing() -> None:
    caps = [Cap("user", "U0NEW", D("10"), "day", "refuse"), Cap("user", "U0NEW", D("10"), "month", "refuse"),
            Cap("user", "U0NEW", D("10"), "hour", "refuse")]
    assert check(D("10"), caps, {}) == CapCheck()
    assert len(check(D("10.01"), caps, {}).refusals) == 3


def test_the_global_cap_is_always_hard_and_counts_the_whole_fleet() -> None:
    assert check(D("2"), [], {}, global_cap_per_hr=D("4"), fleet_rate=D("2")) == CapCheck()
    over = check(D("2.01"), [], {}, global_cap_per_hr=D("4"), fleet_rate=D("2"))
    assert over.refusals == ("the fleet would run at $4.01/h, over the global cap of $4.00/h",)
    assert check(D("4"), [], {}, global_cap_per_hr=D("4")).allowed  # an empty fleet by default
    assert not check(D("4.01"), [], {}, global_cap_per_hr=D("4")).allowed


def test_stop_and_refuse_caps_refuse_and_warn_caps_warn() -> None:
    caps = [Cap("global", "*", D("1"), "hour", action) for action in ("warn", "refuse", "stop")]
    result = check(D("2"), caps, {})
    assert len(result.refusals) == 2
    assert result.warnings == ("the global budget: $2.00/h against a cap of $1.00/h",)
    assert not result.allowed


def test_a_cap_without_an_action_refuses_when_hard_and_warns_when_soft() -> None:
    assert action_of(True, None) == "refuse"
    assert action_of(False, None) == "warn"
    assert action_of(False, "stop") == "stop"
