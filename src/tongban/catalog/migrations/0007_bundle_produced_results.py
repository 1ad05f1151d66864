"""Bundles made before their steps' results counted: the combined form no longer asks for what a step of the
bundle produces (the USCC of the company the 营业执照 step registers) and the material list marks the
licences a step yields as that step's result (``produced_by``)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from tongban.catalog.bundles import merge_forms, merge_materials, produced_fields, produced_results

    Bundle = apps.get_model("catalog", "Bundle")
    BundleStep = apps.get_model("catalog", "BundleStep")
    Material = apps.get_model("catalog", "Material")
    for bundle in Bundle.objects.all():
        steps = list(BundleStep.objects.filter(bundle=bundle).select_related("item_version").order_by("order"))
        versions = [s.item_version for s in steps]
        materials = {v.pk: list(Material.objects.filter(version=v).order_by("order", "id")) for v in versions}
        produced = produced_results((s.key, s.item_version) for s in steps)
        Bundle.objects.filter(pk=bundle.pk).update(
            form_schema=merge_forms(versions, produced_fields(produced)),
            materials=merge_materials(versions, materials, produced),
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0006_commitment_and_time_stats")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
