"""Who may call the federation's endpoints.

- Other members, by the signature of a key the trust list gives them (messages, the log of what concerns
  them, signed requests): ``access_member``.
- Anyone, for what is public by design: the trust list, this member's descriptor (public keys and URLs).
- Operators, through the ``tongban federation`` command on the server (keys, anchors, signing the list)."""

from __future__ import annotations

from tongban.federation import trust
from tongban.federation.services import request_member


def access_member(request) -> trust.Member:
    """The member that signed this request (401/403 otherwise)."""
    return request_member(request.headers.get("Authorization", ""), method=request.method, path=request.path)
