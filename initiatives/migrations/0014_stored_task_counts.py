"""Initiatives store their task counts beside the gate progress (``task_count``, and
``closed_task_count``: done or won't do), counted here for the existing rows; and indexes for
an initiative's last task move (the dashboard's drift) and the open tasks per person (its WIP)."""

from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

CLOSED = ("done", "wont_do")  # models.CLOSED_TASK_STATES as of this migration


def count_tasks(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    Task = apps.get_model("initiatives", "Task")
    tasks = Task.objects.filter(initiative=OuterRef("pk")).order_by().values("initiative")

    def counted(queryset):
        return Coalesce(Subquery(queryset.annotate(n=Count("pk")).values("n")), 0)

    Initiative.objects.update(
        task_count=counted(tasks),
        closed_task_count=counted(tasks.filter(Q(state__in=CLOSED))),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0013_rank_blocked_by"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="initiative",
            name="closed_task_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.AddField(
            model_name="initiative",
            name="task_count",
            field=models.PositiveIntegerField(default=0, editable=False),
        ),
        migrations.RunPython(count_tasks, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="activityevent",
            index=models.Index(
                condition=models.Q(("verb", "task.moved")),
                fields=["initiative", "-created_at"],
                name="activity_last_task_move",
            ),
        ),
        migrations.AddIndex(
            model_name="task",
            index=models.Index(
                condition=models.Q(("assignee__isnull", False)) & ~models.Q(("state__in", CLOSED)),
                fields=["initiative", "assignee"],
                name="task_open_assigned",
            ),
        ),
    ]
