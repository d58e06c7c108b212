# A code's token id is looked up across every benefit and counter (one code, one use, also for
# copies shown at two offline counters): index it alone instead of behind the benefit.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("benefits", "0002_settlement_periods"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="redemption",
            name="benefits_re_benefit_df16fc_idx",
        ),
        migrations.AddIndex(
            model_name="redemption",
            index=models.Index(fields=["token_id"], name="benefits_re_token_i_ebc6c4_idx"),
        ),
    ]
