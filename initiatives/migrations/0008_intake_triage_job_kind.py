# Intake (issue 19): the weekly tick runs a third kind of job, the triage reminder.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0007_gate_progress_needs_a_task"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="jobrun",
            name="initiatives_jobrun_kind_valid",
        ),
        migrations.AlterField(
            model_name="jobrun",
            name="kind",
            field=models.CharField(
                choices=[
                    ("reminder", "Reminder"),
                    ("digest", "Digest"),
                    ("triage", "Triage reminder"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="jobrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["reminder", "digest", "triage"])),
                name="initiatives_jobrun_kind_valid",
            ),
        ),
    ]
