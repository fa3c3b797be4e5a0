"""The fake Slack answers slack_sdk's WebClient as Slack would for the methods Podwarden
uses, so tests built on it (bot, notices, digest) test something real."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(usergroups={"S0ADMINS": ["U0A", "U0B"]}) as fake:
        yield fake


@pytest.fixture
def client(slack: FakeSlack) -> WebClient:
    web = WebClient(token="xoxb-valid", base_url=slack.url)
    web.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))
    return web


def test_posted_messages_come_back_from_history_with_their_metadata(client: WebClient) -> None:
    dm = client.conversations_open(users="U0ALICE")["channel"]["id"]
    posted = client.chat_postMessage(channel=dm, text="idle", metadata={"event_type": "podwarden_note",
                                                                        "event_payload": {"key": "idle:p1"}})
    client.chat_update(channel=dm, ts=posted["ts"], text="stopped")
    with_metadata = client.conversations_history(channel=dm, include_all_metadata=True)["messages"]
    assert [(m["text"], m["metadata"]["event_payload"]["key"]) for m in with_metadata] == [("stopped", "idle:p1")]
    assert "metadata" not in client.conversations_history(channel=dm)["messages"][0]


def test_views_ephemeral_groups_users_and_files(client: WebClient, slack: FakeSlack) -> None:
    view = client.views_open(trigger_id="t", view={"type": "modal", "title": {"type": "plain_text", "text": "x"},
                                                   "blocks": []})["view"]
    updated = client.views_update(view_id=view["id"], hash=view["hash"], view={**view, "blocks": [{"type": "divider"}]})
    assert updated["view"]["blocks"] == [{"type": "divider"}]
    assert client.chat_postEphemeral(channel="C1", user="U0A", text="only you")["message_ts"]
    assert client.usergroups_users_list(usergroup="S0ADMINS")["users"] == ["U0A", "U0B"]
    assert client.users_info(user="U0A")["user"]["id"] == "U0A"
    uploaded = client.files_upload_v2(channel="C1", content="a,b\n1,2\n", filename="week.csv", title="week")
    assert uploaded["files"][0]["title"] == "week"
    assert slack.uploads == [b"a,b\n1,2\n"]


def test_a_429_once_is_waited_out_and_a_bad_token_is_refused(client: WebClient, slack: FakeSlack) -> None:
    slack.rate_limit_once.add("chat.postMessage")
    assert client.chat_postMessage(channel="C1", text="hi")["ok"]
    assert [c.method for c in slack.calls] == ["chat.postMessage", "chat.postMessage"]
    with pytest.raises(SlackApiError, match="invalid_auth"):
        WebClient(token="xoxb-revoked", base_url=slack.url).chat_postMessage(channel="C1", text="hi")
    assert WebClient(token="xapp-valid", base_url=slack.url).apps_connections_open(app_token="xapp-valid")["ok"]
