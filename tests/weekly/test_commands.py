"""send_digest and send_reminders by hand."""

import pytest
from django.core.management import CommandError, call_command

from initiatives.models import JobRun
from tests.weekly.conftest import committed

pytestmark = pytest.mark.django_db


def test_dry_run_prints_the_text_digest_and_writes_nothing(team, people, initiative, capsys):
    call_command("send_digest", "--team", "plat", "--week", "2026-W47", "--dry-run")
    out = capsys.readouterr().out
    assert "Subject: [PLAT] Weekly digest 2026-W47: 0 on track, 0 at risk, 0 off track" in out
    assert "To: em@example.com, pm@example.com" in out
    assert "INITIATIVES" in out
    assert not JobRun.objects.exists()


def test_send_digest_sends_once(team, people, initiative, mailoutbox, capsys):
    from initiatives.models import State
    from tests.weekly.conftest import move

    move(initiative, people["em"], State.SCOPING)
    for _ in range(2):
        with committed():
            call_command("send_digest", "--team", "PLAT", "--week", "2026-W47")
    assert sorted(m.to[0] for m in mailoutbox) == ["em@example.com", "pm@example.com"]
    assert "done, 2 sent" in capsys.readouterr().out


def test_send_reminders_dry_run_lists_each_dri(team, people, initiative, capsys):
    from initiatives.models import State
    from tests.weekly.conftest import move

    move(initiative, people["em"], State.SCOPING)
    call_command("send_reminders", "--team", "PLAT", "--dry-run")
    out = capsys.readouterr().out
    assert "To: dri@example.com" in out and f"/i/{initiative.key}/update/" in out


def test_bad_team_or_week_is_an_error(team):
    with pytest.raises(CommandError):
        call_command("send_digest", "--team", "NOPE")
    with pytest.raises(CommandError):
        call_command("send_digest", "--team", "PLAT", "--week", "2026-47")
