"""The population register (人口库) behind an interface: match a name and an ID number.

The default reads a table; a real deployment sets ``TONGBAN_POPULATION_REGISTER`` to a connector class
with the same ``match`` method (e.g. one that calls the provincial population service)."""

from __future__ import annotations

from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from tongban.accounts.models import PopulationRegisterEntry


class PopulationRegister(Protocol):
    def match(self, *, id_number: str, real_name: str) -> bool: ...


class TablePopulationRegister:
    def match(self, *, id_number: str, real_name: str) -> bool:
        return PopulationRegisterEntry.objects.filter(id_number=id_number, real_name=real_name).exists()


def population_register() -> PopulationRegister:
    return import_string(settings.TONGBAN_POPULATION_REGISTER)()
