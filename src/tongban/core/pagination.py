"""Limit/offset pagination with bounds on both numbers (an unbounded offset overflows the database)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数 items per page (1–200)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过条数 items to skip (0–1,000,000)")


class MappedRows:
    """The rows of a queryset read a slice at a time and each made into an object by ``make``: what a
    ``Paginator`` needs (``count`` and slicing) without reading more than a page."""

    def __init__(self, rows, make) -> None:
        self._rows = rows
        self._make = make

    def count(self) -> int:
        return self._rows.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list:
        return [self._make(r) for r in self._rows[index]]
