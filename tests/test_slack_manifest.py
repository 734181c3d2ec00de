"""The manifest an admin pastes creates exactly the app the code serves."""

from __future__ import annotations

from pathlib import Path

import yaml

from bot.handlers.table import COMMANDS

MANIFEST = Path(__file__).parent.parent / "config" / "slack-manifest.yml"


def test_the_manifest_declares_every_command_event_and_scope_the_app_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    # every command of the table, then the namespaced /poolbot <command> (README, "Command names")
    assert commands == [*(f"/{name}" for name in COMMANDS.slash_names()), "/poolbot"]
    assert all(len(c["description"]) <= 100 for c in manifest["features"]["slash_commands"])
    # mentions arrive as <@U…|name>, resolved by Slack id (issue 11, §2.5)
    assert all(c["should_escape"] is True for c in manifest["features"]["slash_commands"])
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == {"app_home_opened", "message.im"}
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    # commands; posting; DMs (conversations.open, reading DMs typed to the app); chart uploads
    assert scopes == {"commands", "chat:write", "im:write", "im:history", "files:write"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["settings"]["socket_mode_enabled"] is True
