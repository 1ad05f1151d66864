from typing import Any

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    details: dict[str, Any]


def responses(ok: dict[int, Any], *errors: int) -> dict[int, Any]:
    """The documented responses of an operation: its success schemas plus the error codes it may answer."""
    out: dict[int, Any] = dict(ok)
    for status in (*errors, 400, 415, 422):
        out[status] = ErrorOut
    return out
