"""The on-call rotation: weekly hand-over at a local time (across DST), overrides, who may set
it; the triage slot and what is overdue."""

import datetime as dt

import pytest

from initiatives.intake import rotation as rota_services
from initiatives.intake import schedule
from initiatives.intake import selectors as reads
from initiatives.intake import services as intake
from initiatives.intake.models import IntakeSettings, RequestState
from initiatives.intake.rules import is_overdue
from initiatives.models import Team
from initiatives.rules.exceptions import NotAllowed, NotFound, ValidationFailed
from tests.intake.conftest import ask, travel, utc

pytestmark = pytest.mark.django_db

A, B, C = 1, 2, 3


def berlin(**kwargs) -> IntakeSettings:
    """Hand-over Monday 09:00 Berlin time; A is on call from the week of 2026-03-16."""
    team = Team(key="PLAT", name="Platform", time_zone="Europe/Berlin")
    return IntakeSettings(team=team, rotation_start=dt.date(2026, 3, 16), **kwargs)


def who(settings, moment, overrides=()):
    return schedule.on_call(settings, [A, B, C], list(overrides), moment).user_id


def test_the_rotation_moves_on_each_week_at_the_hand_over():
    settings = berlin()
    # Monday 16 March 2026, 09:00 CET is 08:00 UTC.
    assert who(settings, utc("2026-03-16 07:59")) == C
    assert who(settings, utc("2026-03-16 08:00")) == A
    assert who(settings, utc("2026-03-22 20:00")) == A
    assert who(settings, utc("2026-03-23 08:00")) == B
    assert who(settings, utc("2026-04-06 08:00")) == A  # three weeks on: round again


def test_the_hand_over_stays_at_nine_local_across_the_spring_change():
    settings = berlin()
    # DST starts Sunday 29 March 2026: Monday 30 March 09:00 CEST is 07:00 UTC.
    assert who(settings, utc("2026-03-30 06:59")) == B
    assert who(settings, utc("2026-03-30 07:00")) == C
    shift = schedule.on_call(settings, [A, B, C], [], utc("2026-03-25 12:00"))
    assert shift.shift_ends - shift.shift_starts == dt.timedelta(days=7, hours=-1)


def test_the_hand_over_stays_at_nine_local_across_the_autumn_change():
    settings = berlin()
    # DST ends Sunday 25 October 2026: Monday 26 October 09:00 CET is 08:00 UTC.
    before = who(settings, utc("2026-10-26 07:59"))
    after = who(settings, utc("2026-10-26 08:00"))
    assert after == [A, B, C][([A, B, C].index(before) + 1) % 3]
    assert who(settings, utc("2026-10-26 07:00")) == before  # 08:00 local: not yet


def test_an_override_covers_its_time_and_no_more():
    settings = berlin()
    holiday = schedule.Override(C, utc("2026-03-18 00:00"), utc("2026-03-20 00:00"))
    assert who(settings, utc("2026-03-17 12:00"), [holiday]) == A
    assert who(settings, utc("2026-03-18 00:00"), [holiday]) == C
    assert who(settings, utc("2026-03-20 00:00"), [holiday]) == A
    swap = schedule.Override(B, utc("2026-03-19 00:00"), utc("2026-03-19 12:00"))
    assert who(settings, utc("2026-03-19 06:00"), [holiday, swap]) == B  # the newest wins


def test_nobody_is_on_call_without_a_rotation():
    assert who(berlin(), utc("2026-03-18 12:00")) in (A, B, C)
    assert schedule.on_call(berlin(), [], [], utc("2026-03-18 12:00")).user_id is None


def test_setting_the_rotation_puts_its_first_member_on_call_now(team, people):
    rota_services.rotation_set(
        team=team, actor=people["em"], members=[people["dri"], people["engineer"]]
    )
    assert reads.rota(team).on_call == people["dri"]
    nxt = reads.rota(team).upcoming(2)[1]
    assert nxt[1] == people["engineer"]


def test_only_a_manager_sets_the_rotation_of_contributors(team, people, cloud):
    with pytest.raises(NotAllowed):
        rota_services.rotation_set(team=team, actor=people["engineer"], members=[people["dri"]])
    with pytest.raises(NotFound):
        rota_services.rotation_set(team=team, actor=cloud["em"], members=[people["dri"]])
    with pytest.raises(ValidationFailed):
        rota_services.rotation_set(team=team, actor=people["em"], members=[people["viewer"]])
    with pytest.raises(ValidationFailed):
        rota_services.rotation_set(team=team, actor=people["em"], members=[cloud["engineer"]])
    with pytest.raises(ValidationFailed):
        rota_services.rotation_set(
            team=team, actor=people["em"], members=[people["dri"], people["dri"]]
        )
    with pytest.raises(ValidationFailed):
        rota_services.rotation_set(team=team, actor=people["em"], members=[], triage_weekday=9)


def test_anyone_may_cover_a_shift_themselves_but_only_a_manager_assigns_others(team, people):
    start = utc("2030-01-01 00:00")
    mine = rota_services.override_add(
        team=team, actor=people["dri"], user=people["dri"], starts_at=start,
        ends_at=start + dt.timedelta(days=2), reason="Swap with Eng",
    )  # fmt: skip
    assert mine.user == people["dri"]
    with pytest.raises(NotAllowed):
        rota_services.override_add(
            team=team, actor=people["dri"], user=people["engineer"], starts_at=start,
            ends_at=start + dt.timedelta(days=1),
        )  # fmt: skip
    with pytest.raises(ValidationFailed):
        rota_services.override_add(
            team=team, actor=people["em"], user=people["engineer"], starts_at=start,
            ends_at=start,
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        rota_services.override_remove(override=mine, actor=people["engineer"])
    rota_services.override_remove(override=mine, actor=people["dri"])


def test_an_override_changes_who_is_on_call(team, people):
    # The rotation is set at the travelled moment (not by the ``on_call`` fixture, which sets it
    # at the real date: who is first then depended on the day the suite ran).
    with travel(utc("2026-11-16 12:00")):
        rota_services.rotation_set(
            team=team, actor=people["em"], members=[people["engineer"], people["dri"]]
        )
        assert reads.rota(team).on_call == people["engineer"]
        rota_services.override_add(
            team=team, actor=people["em"], user=people["pm"],
            starts_at=utc("2026-11-16 00:00"), ends_at=utc("2026-11-18 00:00"), reason="Holiday",
        )  # fmt: skip
        assert reads.rota(team).on_call == people["pm"]
    with travel(utc("2026-11-18 00:00")):
        assert reads.rota(team).on_call == people["engineer"]


def test_a_request_untriaged_past_the_triage_slot_is_overdue(team, people):
    # The default slot: Tuesday 10:00 in the team's time zone (UTC here).
    with travel(utc("2026-11-16 12:00")):  # Monday
        early = ask(team, people["outsider"], title="Early")
    with travel(utc("2026-11-17 11:00")):  # Tuesday, after the slot
        late = ask(team, people["outsider"], title="Late")
        waiting = ask(team, people["outsider"], title="Waiting")
        counts = reads.header_counts(team)
    assert (counts.new, counts.overdue) == (3, 1)
    settings = reads.settings_of(team)
    with travel(utc("2026-11-24 10:00")):  # the next slot: everything still new is overdue
        intake.request_triage(
            request=waiting, actor=people["engineer"], action="needs_info", question="?"
        )
        assert reads.header_counts(team).overdue == 2
    slot = schedule.latest_triage_slot(settings, utc("2026-11-17 11:00"))[1]
    assert slot == utc("2026-11-17 10:00")
    assert is_overdue(state=RequestState.NEW, created_at=early.created_at, needs_info=False,
                      latest_slot=slot)  # fmt: skip
    assert not is_overdue(state=RequestState.NEW, created_at=late.created_at, needs_info=False,
                          latest_slot=slot)  # fmt: skip
    assert not is_overdue(state=RequestState.TRIAGED, created_at=early.created_at,
                          needs_info=False, latest_slot=slot)  # fmt: skip


def test_the_triage_slot_follows_the_team_time_zone(team, people):
    Team.objects.filter(pk=team.pk).update(time_zone="America/New_York")
    team.refresh_from_db()
    rota_services.rotation_set(
        team=team, actor=people["em"], members=[], triage_weekday=0, triage_time=dt.time(9, 30)
    )
    settings = reads.settings_of(team)
    # Monday 16 November 2026, 09:30 EST is 14:30 UTC.
    assert schedule.latest_triage_slot(settings, utc("2026-11-16 14:30"))[1] == utc(
        "2026-11-16 14:30"
    )
    assert schedule.latest_triage_slot(settings, utc("2026-11-16 14:29"))[1] == utc(
        "2026-11-09 14:30"
    )
