"""The README's walkthrough, exactly as a new user runs it: poolbot demo, then the script piped
into poolbot chat. If this fails, the README is lying."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import app

SCRIPT = Path(__file__).parent.parent / "examples" / "walkthrough.txt"


def test_the_walkthrough_hits_every_rule(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("DATABASE_URL", "POOLBOT_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()
    assert runner.invoke(app, ["demo"]).exit_code == 0
    result = runner.invoke(app, ["chat", "--as", "alice"], input=SCRIPT.read_text(encoding="utf-8"))
    assert result.exit_code == 0, result.output
    out = result.output
    expected = [
        "No customer is called “yunfan”. Did you mean #1 杭州云帆科技有限公司? Reply 1.",
        "杭州云帆科技有限公司 is yours (1 of 5 held)",
        "Follow-up recorded on 杭州云帆科技有限公司",
        "Northwind Traders is back in the pool",
        "the 7-day cooldown lets you claim it again on",
        "Claim request #1 for Contoso Ltd sent to the managers",
        "You have claimed 3 of 3 customers today",
        "Only the owner can record a follow-up on 杭州云帆科技有限公司",
        "杭州云帆科技有限公司 belongs to Alice Wang",
        "[Approve: /approve 1]",
        "Approved #1: Contoso Ltd now belongs to Alice Wang",
        "Request #1 was already approved by Maria Chen",
        "Alice Wang holds 5 of 5 customers: no room for another",
        "Your claim on Contoso Ltd was approved by Maria Chen",
        "You hold 5 of 5 customers",
        "Contoso Ltd is won",
        "won: never recycled",
        "杭州云帆科技有限公司 now goes back to the pool on",
        "; extended (it was ",
        "Handover of Bob Li's book: 4 customers",
        "[Confirm handover: /handover bob auto confirm]",
        "Handed over Bob Li's book: 1 of 4 customers moved",
    ]
    missing = [line for line in expected if line not in out]
    assert not missing, out
    assert "Traceback" not in out
