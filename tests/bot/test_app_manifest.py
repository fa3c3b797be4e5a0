"""slack-manifest.yml creates the app the code expects: the slash command, App Home with
its event, interactivity, Socket Mode, and every scope the features call, each explained."""

from __future__ import annotations

from pathlib import Path

import yaml

from podwarden.settings import Settings

MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yml"

NEEDED = {
    "commands", "chat:write", "chat:write.public", "im:write", "im:history", "channels:history",
    "groups:history", "users:read", "usergroups:read", "files:write",
}


def test_the_manifest_asks_for_what_the_bot_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text())
    features, settings = manifest["features"], manifest["settings"]
    assert [c["command"] for c in features["slash_commands"]] == [Settings.model_fields["slack_command"].default]
    assert features["app_home"]["home_tab_enabled"] is True
    assert "app_home_opened" in settings["event_subscriptions"]["bot_events"]
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == NEEDED


def test_every_scope_says_why() -> None:
    lines = MANIFEST.read_text().splitlines()
    scope_lines = [line for line in lines if line.strip().startswith("- ") and line.strip()[2:].split()[0] in NEEDED]
    assert len(scope_lines) == len(NEEDED)
    assert all("#" in line and len(line.split("#", 1)[1].strip()) > 10 for line in scope_lines)
