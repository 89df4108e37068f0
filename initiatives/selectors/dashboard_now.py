"""The dashboard's figures about where things stand: the "now" section (states, health, missing
updates, gate waits, overrides), dates (milestones due, slips, the timeline) and drift (on-track
initiatives with evidence otherwise). Each function takes rows already loaded by
``dashboard.portfolio_summary``."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from ..models import Initiative, Milestone, MilestoneSlip, State
from ..models.initiative import ACTIVE_STATES
from .dashboard_common import (
    DRIFT_DAYS,
    DUE_WITHIN_DAYS,
    HEALTH_RANK,
    HEALTHS,
    OVERRIDES_WINDOW_DAYS,
    TIMELINE_DAYS,
    TIMELINE_LOOKBACK_DAYS,
    TOP_N,
    brief,
    days,
    initiative_url,
    person,
)
from .portfolio import milestones_due_among, missing_updates_among, overrides_and_waivers


def now_section(
    rows: list[Initiative], team_ids: list[int], now: dt.datetime, waiting: list[Initiative]
) -> dict[str, Any]:
    active = [r for r in rows if r.state in ACTIVE_STATES]
    by_health = {h: sum(r.health == h for r in active) for h in HEALTHS}
    by_health["none"] = sum(not r.health for r in active)
    red_and_yellow = sorted(
        (r for r in active if r.health in HEALTH_RANK),
        key=lambda r: (HEALTH_RANK[r.health], r.team.key, r.number),
    )
    events = overrides_and_waivers(
        team_ids, since=now - dt.timedelta(days=OVERRIDES_WINDOW_DAYS), until=now
    )
    return {
        "by_state": {s: sum(r.state == s for r in rows) for s in State.values},
        "by_health": by_health,
        "red_and_yellow": [
            {**brief(r), "risks": r.latest_risks or "", "last_update_week": r.last_update_week}
            for r in red_and_yellow
        ],
        "missing_updates": [
            {**brief(r), "week": r.current_week, "last_update_week": r.last_update_week}
            for r in missing_updates_among(rows, now=now)
        ],
        "gate_waits": [
            {
                **brief(r),
                "gate": r.gate.kind,
                "missing": len(r.gate.missing),
                "pending_signoffs": r.pending_signoffs,
                "percent": r.gate.percent,
                "waiting_days": days(now - r.waiting_since),
            }
            for r in waiting
        ],
        "overrides_and_waivers": [
            {
                "when": e.created_at,
                "verb": e.verb,
                "kind": "override" if e.verb == "initiative.gate_overridden" else "waiver",
                "initiative": e.initiative.key if e.initiative else None,
                "initiative_url": initiative_url(e.initiative.key) if e.initiative else None,
                "actor": person(e.actor),
                "summary": e.summary,
                "reason": (e.after or {}).get("reason", ""),
            }
            for e in events
        ],
    }


def dates_section(
    rows_by_id: dict[int, Initiative],
    milestones: list[Milestone],
    slips: list[MilestoneSlip],
    team_ids: list[int],
    today: dt.date,
) -> dict[str, Any]:
    slip_totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])  # milestone -> count, days
    for slip in slips:
        slip_totals[slip.milestone_id][0] += 1
        slip_totals[slip.milestone_id][1] += slip.days
    per_initiative: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    moved = []
    for milestone in milestones:
        count, total = slip_totals.get(milestone.pk, (0, 0))
        if not count:
            continue
        per_initiative[milestone.initiative_id][0] += count
        per_initiative[milestone.initiative_id][1] += total
        moved.append((milestone, count, total))
    moved.sort(key=lambda m: (-abs(m[2]), -m[1], m[0].due_date, m[0].pk))

    end = today + dt.timedelta(days=TIMELINE_DAYS)
    timeline: dict[int, list[dict[str, Any]]] = defaultdict(list)
    previous_due: dict[int, dt.date] = {}
    for milestone in milestones:  # ordered by due date
        row = rows_by_id[milestone.initiative_id]
        if row.state not in ACTIVE_STATES or not milestone.is_open:
            continue
        start = (
            milestone.started_at.date()
            if milestone.started_at
            else previous_due.get(row.pk, min(today, milestone.due_date))
        )
        previous_due[row.pk] = milestone.due_date
        if milestone.due_date > end:
            continue
        timeline[row.pk].append(
            {
                "title": milestone.title,
                "state": milestone.state,
                "start": min(start, milestone.due_date),
                "due_date": milestone.due_date,
                "original_due_date": milestone.original_due_date,
                "overdue": milestone.due_date < today,
                "slip_count": slip_totals.get(milestone.pk, (0, 0))[0],
            }
        )
    return {
        "milestones_due": [
            {
                "initiative": m.initiative.key,
                "initiative_url": initiative_url(m.initiative.key),
                "initiative_title": m.initiative.title,
                "dri": person(m.initiative.dri),
                "milestone": m.title,
                "state": m.state,
                "due_date": m.due_date,
                "overdue": m.overdue,
                "days_left": (m.due_date - today).days,
                "slip_count": m.slip_count,
                "slip_days": m.slip_days,
            }
            for m in milestones_due_among(
                milestones,
                rows_by_id,
                {pk: count for pk, (count, _) in slip_totals.items()},
                today=today,
                within_days=DUE_WITHIN_DAYS,
            )
        ],
        "slips_by_initiative": sorted(
            (
                {**brief(rows_by_id[pk]), "slip_count": count, "slip_days": total}
                for pk, (count, total) in per_initiative.items()
            ),
            key=lambda s: (-s["slip_days"], -s["slip_count"], s["key"]),
        ),
        "most_moved_milestones": [
            {
                "initiative": rows_by_id[m.initiative_id].key,
                "initiative_url": initiative_url(rows_by_id[m.initiative_id].key),
                "milestone": m.title,
                "original_due_date": m.original_due_date,
                "due_date": m.due_date,
                "slip_count": count,
                "slip_days": total,
            }
            for m, count, total in moved[:TOP_N]
        ],
        "timeline": {
            "start": today - dt.timedelta(days=TIMELINE_LOOKBACK_DAYS),
            "end": end,
            "rows": [
                {**brief(rows_by_id[pk]), "milestones": bars}
                for pk, bars in sorted(
                    timeline.items(),
                    key=lambda t: (rows_by_id[t[0]].team.key, rows_by_id[t[0]].number),
                )
            ],
        },
    }


def drift_section(
    rows: list[Initiative],
    milestones: list[Milestone],
    slips: list[MilestoneSlip],
    now: dt.datetime,
    today: dt.date,
) -> list[dict[str, Any]]:
    evidence: dict[int, list[dict[str, str]]] = defaultdict(list)
    for m in milestones:
        if m.is_open and m.due_date < today:
            evidence[m.initiative_id].append(
                {
                    "kind": "overdue_milestone",
                    "text": f"Milestone “{m.title}” was due {m.due_date:%Y-%m-%d} "
                    f"({(today - m.due_date).days} days ago).",
                }
            )
    recent = now - dt.timedelta(days=DRIFT_DAYS)
    for slip in slips:
        if slip.created_at >= recent:
            evidence[slip.milestone.initiative_id].append(
                {
                    "kind": "recent_slip",
                    "text": f"Milestone “{slip.milestone.title}” moved from "
                    f"{slip.old_date:%Y-%m-%d} to {slip.new_date:%Y-%m-%d} "
                    f"on {slip.created_at:%Y-%m-%d}.",
                }
            )
    flagged = []
    for row in rows:
        if row.state not in ACTIVE_STATES or row.health != "on_track":
            continue
        reasons = list(evidence.get(row.pk, []))
        last_progress = max(filter(None, [row.last_task_move, row.state_changed_at]))
        if row.state == State.IN_DELIVERY and row.fact_open_tasks and last_progress < recent:
            reasons.append(
                {
                    "kind": "no_task_progress",
                    "text": f"No task has moved since {last_progress:%Y-%m-%d} "
                    f"({(now - last_progress).days} days); {row.fact_open_tasks} still open.",
                }
            )
        if reasons:
            flagged.append({**brief(row), "evidence": reasons})
    return flagged
