"""Demo catalog for `tongban demo`: published service items of the demo departments (accounts demo), the
popular items of the home page and the "one thing" bundles, all in ``demo_catalog.json`` next to this file.

The file is a catalog export (format of operations.md §12) and is loaded by the catalog import, so the demo
exercises the import too. Materials keep the same key in every item (bundles merge them by it); implementation
codes are the department's USCC + a 3-digit serial + "000"; licence type codes are demo values (the types are
made by tongban.licences.demo). Safe to run again: items and bundles already present are skipped.

The file was exported with the default region (上海市, 310000). The demo departments take their names and USCCs
from TONGBAN_REGION_NAME and TONGBAN_REGION_CODE (accounts/demo.py), so before the import every department of
the file is swapped for this environment's demo department of the same name (the region's prefix replaced), in
the versions, the implementation codes and the bundles; published versions are published at load time.

To change the demo catalog, edit the JSON, or load the demo into an environment with the default region,
change the catalog there (admin) and `tongban catalog export src/tongban/catalog/demo_catalog.json`
(keep the file's key order: on SQLite a form shows its fields in the order of ``form_schema.properties``)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tongban.accounts.facade import organisation_find
from tongban.catalog.constants import VersionStatus
from tongban.catalog.services import catalog_import

DEMO_FILE = Path(__file__).with_name("demo_catalog.json")
FILE_REGION_NAME = "上海市"  # the region of the environment the file was exported from


def demo_catalog() -> dict:
    """The demo catalog file as it is (departments of the default region)."""
    return json.loads(DEMO_FILE.read_text(encoding="utf-8"))


@transaction.atomic
def demo_load_catalog() -> int:
    """Import the demo items and bundles that are not there yet; returns how many items were created."""
    data = _for_this_environment(demo_catalog())
    return catalog_import(actor=None, data=data, map_departments=True)["created"]


def demo_load_bundles() -> int:
    """Import the demo bundles that are not there yet (their items must be); returns how many were created."""
    data = {**_for_this_environment(demo_catalog()), "items": []}
    return catalog_import(actor=None, data=data, map_departments=True)["bundles_created"]


def _department_uscc(name: str) -> str:
    """The USCC of this environment's demo department with the file's department name."""
    if name.startswith(FILE_REGION_NAME):
        name = settings.TONGBAN_REGION_NAME + name.removeprefix(FILE_REGION_NAME)
    info = organisation_find(kind="department", name=name)
    if info is None or not info.uscc:
        raise RuntimeError(f"demo department {name!r} is missing: load the identity demo first (demo_load)")
    return info.uscc


def _for_this_environment(data: dict) -> dict:
    """The file with this environment's demo departments (by name) in place of the default region's."""
    names = {}
    for entry in data["items"]:
        for version in entry["versions"]:
            names.setdefault(version["department_uscc"], version["department_name"])
    for bundle in data.get("bundles", []):
        names.setdefault(bundle["lead_department_uscc"], bundle["lead_department_name"])
    here = {uscc: _department_uscc(name) for uscc, name in names.items()}

    def code(implementation_code: str) -> str:  # the department's USCC + a serial
        uscc = implementation_code[:18]
        return here.get(uscc, uscc) + implementation_code[18:]

    now = timezone.now().isoformat()
    for entry in data["items"]:
        entry["implementation_code"] = code(entry["implementation_code"])
        for version in entry["versions"]:
            version["department_uscc"] = here[version["department_uscc"]]
            if version["status"] == VersionStatus.PUBLISHED:
                version["published_at"] = now
    for bundle in data.get("bundles", []):
        bundle["lead_department_uscc"] = here[bundle["lead_department_uscc"]]
        for step in bundle["steps"]:
            step["implementation_code"] = code(step["implementation_code"])
    return data
