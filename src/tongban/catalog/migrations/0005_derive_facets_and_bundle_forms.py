"""Derive the new computed columns of rows made before 0004: the browse facets of every version, and the
search forms, combined form and merged materials of every bundle."""

from django.db import migrations


def forwards(apps, schema_editor):
    from tongban.catalog.bundles import merge_forms, merge_materials
    from tongban.catalog.search import bundle_search_text, facets_for

    ItemVersion = apps.get_model("catalog", "ItemVersion")
    Bundle = apps.get_model("catalog", "Bundle")
    Material = apps.get_model("catalog", "Material")
    for version in ItemVersion.objects.all().iterator():
        ItemVersion.objects.filter(pk=version.pk).update(facets=facets_for(version))
    for bundle in Bundle.objects.all():
        versions = list(
            ItemVersion.objects.filter(bundle_steps__bundle=bundle).order_by("bundle_steps__order").distinct()
        )
        materials = {v.pk: list(Material.objects.filter(version=v).order_by("order", "id")) for v in versions}
        Bundle.objects.filter(pk=bundle.pk).update(
            search_text=bundle_search_text(bundle),
            form_schema=merge_forms(versions),
            materials=merge_materials(versions, materials),
            delivery_methods=bundle.delivery_methods or ["online", "window", "courier"],
        )


def backwards(apps, schema_editor):
    """The columns are dropped by reversing 0004; nothing to undo here."""


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_browse_and_bundle_forms")]

    operations = [migrations.RunPython(forwards, backwards)]
