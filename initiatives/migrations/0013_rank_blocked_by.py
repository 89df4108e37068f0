"""Initiatives get a priority ``rank`` within their team: the existing ones in number order
(their number, unique per team), then the constraint that keeps ranks unique."""

from django.conf import settings
from django.db import migrations, models


def rank_by_number(apps, schema_editor):
    Initiative = apps.get_model("initiatives", "Initiative")
    Initiative.objects.update(rank=models.F("number"))


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0012_user_time_zone"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="initiative",
            name="rank",
            field=models.IntegerField(default=0),
        ),
        migrations.RunPython(rank_by_number, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="initiative",
            constraint=models.UniqueConstraint(
                fields=("team", "rank"), name="initiative_unique_rank"
            ),
        ),
    ]
