"""send_digest and send_reminders by hand."""

import pytest
from django.core.management import CommandError, call_command

from initiatives.models import JobRun, State
from tests.factories import make_initiative
from tests.weekly.conftest import committed, move, travel, utc

pytestmark = pytest.mark.django_db


def test_dry_run_prints_the_text_digest_and_writes_nothing(team, people, initiative, capsys):
    call_command("send_digest", "--team", "plat", "--week", "2026-W47", "--dry-run")
    out = capsys.readouterr().out
    assert "Subject: [PLAT] Weekly digest 2026-W47: 0 on track, 0 at risk, 0 off track" in out
    assert "To: em@example.com, pm@example.com" in out
    assert "INITIATIVES" in out
    assert not JobRun.objects.exists()


def test_send_digest_sends_once(team, people, mailoutbox, capsys):
    with travel(utc("2026-11-18 10:00")):  # scoping during 2026-W47
        move(make_initiative(team, people["dri"]), people["em"], State.SCOPING)
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


def test_a_week_not_ended_or_before_the_team_is_refused(team):
    sunday = utc("2026-11-22 23:00")  # Sunday evening: 2026-W47 is not over
    with travel(sunday), pytest.raises(CommandError, match="has not ended yet"):
        call_command("send_digest", "--team", "PLAT", "--week", "2026-W47", "--dry-run")
    with pytest.raises(CommandError, match="did not exist yet"):
        call_command("send_digest", "--team", "PLAT", "--week", "2025-W40", "--dry-run")
    assert not JobRun.objects.exists()
