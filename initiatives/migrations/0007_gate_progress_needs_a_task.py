"""Re-store every initiative's gate progress under the rules as they now stand: "no more work
required" needs at least one task (all closed), and risk-scaled items follow the stricter of
the current risk level and the one security signed (0006). Rows stored by 0004 or by the
services before these changes counted an initiative without tasks as done."""

from django.db import migrations
from django.db.models import Count, Q

# --- A frozen copy of the gate roll-up (``rules.checklists.progress_values`` as of this
# migration), on historical models: it must not change when the live rules do.
# tests/migrations/test_data_migrations.py checks it against the live rules on sample data.

CLOSED_TASK_STATES = ("done", "wont_do")
RISK_RANK = {"": 0, "low": 1, "medium": 2, "high": 3}
RULES = {
    "stakeholders_listed": lambda f: f["n_stakeholders"] > 0,
    "design_doc_linked": lambda f: bool(f["design_doc_url"]),
    "milestones_planned": lambda f: f["n_milestones"] > 0,
    "all_tasks_closed": lambda f: f["n_tasks"] > 0 and f["n_open_tasks"] == 0,
    "security_risk_set": lambda f: bool(f["security_risk"]),
}
BATCH = 500


def scaling_risk(facts):
    levels = (facts["security_risk"] or "", facts["security_risk_signed"] or "")
    return max(levels, key=lambda level: RISK_RANK.get(level, 0))


def is_required(item, facts):
    if not item["required"]:
        return False
    return not item["risk_scaled"] or scaling_risk(facts) != "low"


def is_satisfied(item, facts):
    if item["status"] == "waived":
        return True
    if item["rule"] and not item["signoff_role"]:
        return RULES[item["rule"]](facts)
    return item["status"] == "done"


def progress(items, facts):
    values = dict.fromkeys(("dor_required", "dor_satisfied", "dod_required", "dod_satisfied"), 0)
    for item in items:
        if not is_required(item, facts):
            continue
        prefix = "dor" if item["kind"] == "ready" else "dod"
        values[f"{prefix}_required"] += 1
        values[f"{prefix}_satisfied"] += is_satisfied(item, facts)
    return values


def facts_of(Initiative, ids):
    rows = (
        Initiative.objects.filter(pk__in=ids)
        .annotate(
            n_stakeholders=Count("stakeholders", distinct=True),
            n_milestones=Count(
                "milestones", filter=~Q(milestones__state="cancelled"), distinct=True
            ),
            n_tasks=Count("tasks", distinct=True),
            n_open_tasks=Count(
                "tasks", filter=~Q(tasks__state__in=CLOSED_TASK_STATES), distinct=True
            ),
        )
        .values(
            "pk",
            "design_doc_url",
            "security_risk",
            "security_risk_signed",
            "n_stakeholders",
            "n_milestones",
            "n_tasks",
            "n_open_tasks",
        )
    )
    return {row["pk"]: row for row in rows}


def store_progress(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    ChecklistItem = apps.get_model("initiatives", "ChecklistItem")
    ids = list(Initiative.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        facts = facts_of(Initiative, chunk)
        items = {pk: [] for pk in chunk}
        for item in ChecklistItem.objects.filter(initiative_id__in=chunk).values(
            "initiative_id", "kind", "required", "risk_scaled", "signoff_role", "rule", "status"
        ):
            items[item["initiative_id"]].append(item)
        Initiative.objects.bulk_update(
            [Initiative(pk=pk, **progress(items[pk], facts[pk])) for pk in chunk],
            ["dor_required", "dor_satisfied", "dod_required", "dod_satisfied"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0006_trust"),
    ]

    operations = [
        migrations.RunPython(store_progress, migrations.RunPython.noop, elidable=True),
    ]
