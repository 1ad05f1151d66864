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


# --- pages: cross-region applications ----------------------------------------------------------------------------------
def special_windows(actor) -> list[tuple[str, str]]:
    """(uuid, name) of the windows where the actor is a clerk: a 长三角 special window (专窗) collects there."""
    from tongban.accounts.facade import Role, staff_organisations

    return [(o.uuid, o.name) for o in staff_organisations(actor, {Role.WINDOW_CLERK})]


def require_special_window(actor) -> tuple[str, str]:
    """The clerk's window (their first); 404 for anyone who is not a window clerk (pages answer 404)."""
    from tongban.core.errors import NotFound

    windows = special_windows(actor)
    if not windows:
        raise NotFound()
    return windows[0]


def access_remote_application(actor, ref):
    """A cross-region application: its applicant's, the clerk's who collected it, or any clerk's of that
    window (they print its result); 404 for anyone else."""
    from tongban.core.errors import NotFound
    from tongban.federation.models import RemoteApplication

    row = RemoteApplication.objects.filter(uuid=ref).first()
    user_id = actor.user_id
    if row is None or user_id is None:
        raise NotFound()
    if row.applicant_user_id == user_id or row.submitted_by == user_id:
        return row
    window = row.collected.get("window_uuid")
    if window and window in {uuid for uuid, _name in special_windows(actor)}:
        return row
    raise NotFound()


def remote_applications_of(actor):
    """The cross-region applications the actor made, or collected at their window."""
    from django.db.models import Q

    from tongban.federation.models import RemoteApplication

    user_id = actor.user_id
    if user_id is None:
        return RemoteApplication.objects.none()
    windows = [uuid for uuid, _name in special_windows(actor)]
    q = Q(applicant_user_id=user_id) | Q(submitted_by=user_id)
    for window in windows:
        q |= Q(collected__window_uuid=window)
    return RemoteApplication.objects.filter(q).order_by("-created_at")


def require_licence_verifier(request):
    """The verifier of a request (a registered verifier's key or token, or window/department staff), as
    ``/api/licences/verify`` takes it: 401 ``not_authenticated`` / 403 ``not_a_verifier`` otherwise."""
    from tongban.licences.facade import verifier_identity

    return verifier_identity(request.auth, request.actor)
