"""Data: the role once spelt ``catalogue_admin`` is ``catalog_admin`` (one spelling everywhere, issue 14)."""

from django.db import migrations


def forwards(apps, schema_editor):
    apps.get_model("accounts", "StaffMembership").objects.filter(role="catalogue_admin").update(
        role="catalog_admin"
    )


def backwards(apps, schema_editor):
    apps.get_model("accounts", "StaffMembership").objects.filter(role="catalog_admin").update(
        role="catalogue_admin"
    )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_role_catalog_admin")]

    operations = [migrations.RunPython(forwards, backwards)]
