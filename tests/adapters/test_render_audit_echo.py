"""`audit <filter>` quotes the filter back when nothing matches, but never a whole paste."""

from __future__ import annotations

from podwarden.adapters.slack.render_audit import audit


def test_a_long_filter_is_quoted_cut_short() -> None:
    reply = audit([], about="about " + "9" * 400, days=7)
    assert reply.title == "Nothing in the audit log about " + "9" * 53 + "… in the last 7 day(s)"
    assert audit([], about="about pod-1", days=7).title == "Nothing in the audit log about pod-1 in the last 7 day(s)"
