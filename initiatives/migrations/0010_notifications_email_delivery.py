import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """A notification email is an EmailDelivery of no weekly job (initiatives.notifications)."""

    dependencies = [("initiatives", "0009_merge_intake_transfer")]

    operations = [
        migrations.AlterField(
            model_name="emaildelivery",
            name="job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="initiatives.jobrun",
            ),
        ),
    ]
