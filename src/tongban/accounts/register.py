"""The population register (人口库) and the market-entity register (市场主体登记) behind interfaces.

The default reads a table; a real deployment sets ``TONGBAN_POPULATION_REGISTER`` to a connector class
with the same ``match`` method (e.g. one that calls the provincial population service)."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.accounts.models import BusinessRegisterEntry, PopulationRegisterEntry


class PopulationRegister(Protocol):
    def match(self, *, id_number: str, real_name: str) -> bool: ...


class TablePopulationRegister:
    def match(self, *, id_number: str, real_name: str) -> bool:
        return PopulationRegisterEntry.objects.filter(id_number=id_number, real_name=real_name).exists()


def population_register() -> PopulationRegister:
    return import_string(settings.TONGBAN_POPULATION_REGISTER)()


class BusinessRegister(Protocol):
    def legal_representative_matches(self, *, uscc: str, name: str, id_kind: str, id_number: str) -> bool: ...


class TableBusinessRegister:
    """Whether the register lists this person as the legal representative of this enterprise."""

    def legal_representative_matches(self, *, uscc: str, name: str, id_kind: str, id_number: str) -> bool:
        return BusinessRegisterEntry.objects.filter(
            uscc=uscc,
            name=name,
            legal_representative_id_kind=id_kind,
            legal_representative_id_number=id_number,
        ).exists()


def business_register() -> BusinessRegister:
    return import_string(settings.TONGBAN_BUSINESS_REGISTER)()


class ItemCatalog(Protocol):
    def unknown_item_codes(self, codes: list[str]) -> list[str]: ...


_item_catalog: ItemCatalog | None = None


def item_catalog_register(catalog: ItemCatalog) -> None:
    """The catalog context registers itself here when it starts (accounts sits below it and may not
    import it): authorisations check their item codes against it."""
    global _item_catalog
    _item_catalog = catalog


def item_catalog() -> ItemCatalog | None:
    return _item_catalog
