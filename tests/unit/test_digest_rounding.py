"""Rows shown to the cent add up to the total shown (largest-remainder rounding)."""

from __future__ import annotations

from decimal import Decimal

from podwarden.domain.digest import cents_adding_up


def test_pods_and_serverless_add_up_to_the_total_shown() -> None:
    # `spend month` showed Pods $0.60 + Serverless $0.01 against a $0.60 total
    pods, serverless = Decimal("0.598"), Decimal("0.0049674986944444444444444444")

    assert cents_adding_up((pods, serverless), pods + serverless) == (Decimal("0.60"), Decimal("0.00"))


def test_three_users_of_a_third_each_add_up_to_the_total_shown() -> None:
    # each $1.3333 rounds to $1.33: $3.99 shown against a $4.00 total
    third = Decimal("1.33333")

    assert cents_adding_up((third, third, third), 3 * third) == (Decimal("1.34"), Decimal("1.33"), Decimal("1.33"))


def test_the_cent_goes_to_the_part_that_lost_most_in_the_cut() -> None:
    # half-up rounding would show $1.34 + $2.67 = $4.01 against $3.99 + ... = $4.00
    parts = (Decimal("1.335"), Decimal("2.665"))

    assert cents_adding_up(parts, Decimal("4.00")) == (Decimal("1.34"), Decimal("2.66"))


def test_parts_over_the_total_give_back_cents_from_those_that_lost_least() -> None:
    # parts that overshoot their total (never the case in the digest) still add up to it
    assert cents_adding_up((Decimal("0.515"), Decimal("0.51")), Decimal("1.00")) == (Decimal("0.50"), Decimal("0.50"))


def test_no_parts_and_exact_cents() -> None:
    assert cents_adding_up((), Decimal(0)) == ()
    assert cents_adding_up((Decimal("1.20"), Decimal("3.40")), Decimal("4.60")) == (Decimal("1.20"), Decimal("3.40"))
