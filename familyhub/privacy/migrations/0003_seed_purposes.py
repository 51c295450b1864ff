"""Load the purposes register of the source documents (privacy/data/purposes.json, R-CONSENT-1).

Only purposes whose code is missing are added, so the DPO's later edits are never overwritten. No
privacy notice is published here: publishing is the DPO's act, after checking the register and the
controller's contact details (ADR 0014); the demo publishes version 1 in `demo_setup`.
"""

from django.db import migrations


def load(apps, schema_editor):
    from familyhub.privacy.registers import load_seed_purposes

    load_seed_purposes(apps.get_model("privacy", "Purpose"))


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_purpose_transfers")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
