"""Limit/offset pagination with bounds on both numbers (an unbounded offset overflows the database)."""

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 200
MAX_OFFSET = 1_000_000


class BoundedLimitOffsetPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(50, ge=1, le=MAX_LIMIT, description="每页条数 items per page (1–200)")
        offset: int = Field(0, ge=0, le=MAX_OFFSET, description="跳过条数 items to skip (0–1,000,000)")
