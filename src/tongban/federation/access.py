"""Who may call the federation's endpoints.

- Other members, by the signature of a key the trust list gives them (messages, the log of what concerns
  them, signed requests): ``access_member``.
- Anyone, for what is public by design: the trust list, this member's descriptor (public keys and URLs).
- Registered verifiers (用证单位) and staff of this member, for another member's licences: as the licence
  library takes them (``require_licence_verifier``).
- Operators, through the ``tongban federation`` command on the server (keys, anchors, signing the list)."""

from __future__ import annotations

from tongban.federation import trust
from tongban.federation.services import request_member


def access_member(request) -> trust.Member:
    """The member that signed this request (401/403 otherwise)."""
    return request_member(request.headers.get("Authorization", ""), method=request.method, path=request.path)


def require_licence_verifier(request):
    """The verifier of a request (a registered verifier's key or token, or window/department staff), as
    ``/api/licences/verify`` takes it: 401 ``not_authenticated`` / 403 ``not_a_verifier`` otherwise."""
    from tongban.licences.facade import verifier_identity

    return verifier_identity(request.auth, request.actor)
