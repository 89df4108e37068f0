"""Trust (issue 13): the audit log keeps who did what whatever happens to users (PROTECT,
display names), each initiative's events form a hash chain, PostgreSQL refuses UPDATE and
DELETE of activity rows, teams carry the data version cached reads are keyed by, and
initiatives remember their former DRIs and the risk level security signed.

The rows written before this migration are sealed with a frozen copy of the hash of
``initiatives.audit.chain`` (HASH_FORMAT 1; migrations import no domain code), which
tests/audit/test_chain.py keeps equal to the live one."""

import datetime as dt
import hashlib
import json

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import migrations, models

HASHED_FIELDS = (
    "team_id", "initiative_id", "actor_id", "actor_name", "verb", "summary", "target_type",
    "target_id", "before", "after", "created_at",
)  # fmt: skip
GENESIS = "0" * 64


def _as_stored(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def content_hash(event, prev_hash: str) -> str:
    content = {name: _as_stored(getattr(event, name)) for name in HASHED_FIELDS}
    payload = json.dumps(
        [1, prev_hash, content], sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# PostgreSQL: refuse UPDATE and DELETE of audit rows whoever sends them (the ORM, raw SQL, a
# bulk job). ``audit.maintenance.rewrite_times`` -- seeding demo history -- sets
# ``shipshape.audit_rewrite`` for its own transaction and may then change the time and chain
# columns only. TRUNCATE (a test database being emptied) is not a row operation.
APPEND_ONLY_SQL = """
CREATE OR REPLACE FUNCTION initiatives_activity_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('shipshape.audit_rewrite', true) = 'on'
       AND (to_jsonb(NEW) - 'created_at' - 'prev_hash' - 'content_hash')
           = (to_jsonb(OLD) - 'created_at' - 'prev_hash' - 'content_hash') THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'The activity log is append-only: % of event % refused.', TG_OP, OLD.id
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS activity_append_only ON initiatives_activityevent;
CREATE TRIGGER activity_append_only BEFORE UPDATE OR DELETE ON initiatives_activityevent
    FOR EACH ROW EXECUTE FUNCTION initiatives_activity_append_only();
"""
DROP_SQL = """
DROP TRIGGER IF EXISTS activity_append_only ON initiatives_activityevent;
DROP FUNCTION IF EXISTS initiatives_activity_append_only();
"""


def _name(user) -> str:
    if user is None:
        return ""
    full = f"{user.first_name} {user.last_name}".strip()
    return (full or user.username)[:150]


def backfill(apps, schema_editor):
    """Names, former DRIs, the signed risk level and the hash chain of existing rows."""
    Event = apps.get_model("initiatives", "ActivityEvent")
    Item = apps.get_model("initiatives", "ChecklistItem")
    Initiative = apps.get_model("initiatives", "Initiative")
    heads: dict = {}
    dris: dict = {}
    for event in Event.objects.select_related("actor").order_by("pk").iterator():
        event.actor_name = _name(event.actor)
        if event.initiative_id and isinstance(event.after, dict) and "dri" in event.after:
            dris.setdefault(event.initiative_id, []).append(event.after["dri"])
        key = (event.initiative_id, None if event.initiative_id else event.team_id)
        event.prev_hash = heads.get(key, GENESIS)
        event.content_hash = content_hash(event, event.prev_hash)
        heads[key] = event.content_hash
        Event.objects.filter(pk=event.pk).update(
            actor_name=event.actor_name, prev_hash=event.prev_hash, content_hash=event.content_hash
        )
    for item in Item.objects.filter(decided_by__isnull=False).select_related("decided_by"):
        Item.objects.filter(pk=item.pk).update(decided_by_name=_name(item.decided_by))
    signed = set(
        Item.objects.filter(kind="ready", signoff_role="security", status="done").values_list(
            "initiative_id", flat=True
        )
    )
    for initiative in Initiative.objects.only("pk", "dri_id", "security_risk"):
        history = [pk for pk in dris.get(initiative.pk, []) if pk]
        history = list(dict.fromkeys([*history, initiative.dri_id]))
        risk = initiative.security_risk if initiative.pk in signed else ""
        Initiative.objects.filter(pk=initiative.pk).update(
            dri_history=history, security_risk_signed=risk
        )


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(APPEND_ONLY_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0005_activity_team_newest"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="activityevent",
            name="actor_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="activityevent",
            name="content_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="activityevent",
            name="prev_hash",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="checklistitem",
            name="decided_by_name",
            field=models.CharField(blank=True, max_length=150),
        ),
        migrations.AddField(
            model_name="initiative",
            name="dri_history",
            field=models.JSONField(blank=True, default=list, editable=False),
        ),
        migrations.AddField(
            model_name="initiative",
            name="security_risk_signed",
            field=models.CharField(
                blank=True,
                choices=[("low", "Low"), ("medium", "Medium"), ("high", "High")],
                editable=False,
                max_length=8,
            ),
        ),
        migrations.AddField(
            model_name="team",
            name="data_version",
            field=models.PositiveBigIntegerField(default=0, editable=False),
        ),
        migrations.AlterField(
            model_name="activityevent",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="activityevent",
            name="created_at",
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.AlterField(
            model_name="activityevent",
            name="initiative",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activity",
                to="initiatives.initiative",
            ),
        ),
        migrations.AlterField(
            model_name="activityevent",
            name="team",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="activity",
                to="initiatives.team",
            ),
        ),
        migrations.AlterField(
            model_name="checklistitem",
            name="decided_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="milestoneslip",
            name="actor",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddConstraint(
            model_name="initiative",
            constraint=models.CheckConstraint(
                condition=models.Q(("security_risk_signed__in", ["", "low", "medium", "high"])),
                name="initiative_security_risk_signed_valid",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
