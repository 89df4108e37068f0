"""The definitions every page, digest, dashboard and API share (issue 12: one definition per
rule). Each expected value is written by hand from the brief."""

from __future__ import annotations

import datetime as dt

import pytest

from initiatives.models import ChecklistKind, Health, Role, SignoffRole, State
from initiatives.rules import permissions, workflow

TODAY = dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("state", "paused_from", "expected"),
    [
        (State.DISCOVERY, "", ChecklistKind.READY),
        (State.SCOPING, "", ChecklistKind.READY),
        (State.READY, "", ChecklistKind.DONE),
        (State.IN_DELIVERY, "", ChecklistKind.DONE),
        (State.DONE, "", None),
        (State.CANCELLED, "", None),
        (State.PAUSED, State.SCOPING, ChecklistKind.READY),
        (State.PAUSED, State.IN_DELIVERY, ChecklistKind.DONE),
    ],
)
def test_next_gate_is_the_first_gated_move_forward(state, paused_from, expected):
    assert workflow.next_gate(state, paused_from=paused_from) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (State.DISCOVERY, None),
        (State.SCOPING, ChecklistKind.READY),
        (State.READY, None),
        (State.IN_DELIVERY, ChecklistKind.DONE),
        (State.DONE, None),
        (State.PAUSED, None),
        (State.CANCELLED, None),
    ],
)
def test_an_initiative_waits_only_at_a_gated_move(state, expected):
    assert workflow.blocking_gate(state) == expected


@pytest.mark.parametrize(
    ("days", "expected"),
    [(-1, "overdue"), (0, "due_soon"), (14, "due_soon"), (15, ""), (60, "")],
)
def test_due_soon_means_within_fourteen_days_today_included(days, expected):
    assert workflow.due_status(TODAY + dt.timedelta(days=days), TODAY) == expected
    assert workflow.due_status(None, TODAY) == ""


def test_health_sorts_worst_first_and_no_update_last():
    healths = ["", Health.ON_TRACK, Health.OFF_TRACK, None, Health.AT_RISK]
    ordered = sorted(healths, key=workflow.health_rank)
    assert ordered[:3] == [Health.OFF_TRACK, Health.AT_RISK, Health.ON_TRACK]
    assert set(ordered[3:]) == {"", None}


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.ENGINEER, True),
        (Role.EM, True),
        (Role.PM, True),
        (Role.SECURITY, True),
        (Role.LEGAL, True),
        (Role.VIEWER, False),
        (None, False),
    ],
)
def test_every_member_but_a_viewer_contributes(role, expected):
    assert permissions.is_contributor(role) is expected


@pytest.mark.parametrize(
    ("role", "signoff_role", "is_dri", "is_stakeholder", "expected"),
    [
        (Role.SECURITY, SignoffRole.SECURITY, False, False, True),
        (Role.SECURITY, SignoffRole.SECURITY, True, False, False),  # never their own
        (Role.SECURITY, SignoffRole.LEGAL, False, False, False),
        (Role.LEGAL, SignoffRole.LEGAL, False, False, True),
        (Role.EM, SignoffRole.EM, False, False, True),
        (Role.EM, SignoffRole.SECURITY, False, False, False),
        (Role.PM, SignoffRole.EM, False, False, False),
        (Role.ENGINEER, SignoffRole.STAKEHOLDER, False, True, True),
        (Role.ENGINEER, SignoffRole.STAKEHOLDER, True, True, False),
        (Role.EM, SignoffRole.STAKEHOLDER, False, False, False),
        (Role.SECURITY, SignoffRole.NONE, False, False, False),
    ],
)
def test_who_may_sign_off(role, signoff_role, is_dri, is_stakeholder, expected):
    allowed = permissions.may_sign_off(
        role=role, signoff_role=signoff_role, is_dri=is_dri, is_stakeholder=is_stakeholder
    )
    assert allowed is expected
