# Goals (issue 20): the weekly tick runs a fourth kind of job, the key result check-in reminder.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("initiatives", "0010_notifications_email_delivery"),
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
                    ("kr_checkin", "Key result check-in reminder"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="jobrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["reminder", "digest", "triage", "kr_checkin"])),
                name="initiatives_jobrun_kind_valid",
            ),
        ),
    ]
