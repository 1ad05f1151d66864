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


def file_answer(media_type: str, description: str, *, binary: bool = False) -> dict:
    """``openapi_extra`` of an operation that answers 200 with a file or a token rather than JSON."""
    schema = {"type": "string", "format": "binary"} if binary else {"type": "string"}
    return {"responses": {200: {"description": description, "content": {media_type: {"schema": schema}}}}}
