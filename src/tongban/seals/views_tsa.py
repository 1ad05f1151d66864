"""The time-stamping service over HTTP (RFC 3161 §3.4): ``POST`` a DER ``TimeStampReq`` as
``application/timestamp-query``, get the DER ``TimeStampResp`` as ``application/timestamp-reply``.

The lead wires it with the platform's TSA identity, e.g.::

    path("tsa", TimeStampView.as_view(identity=platform_tsa_identity))

where ``identity`` is a callable returning a ``tsa.TsaIdentity`` (key, certificate, chain, policy). A request
the TSA cannot honour is still answered 200 with a ``rejection`` status (RFC 3161 §2.4.2); only a request that
is not a time-stamp query at all is refused at the HTTP level (405, 415, 413)."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from tongban.seals.tsa import MAX_REQUEST_BYTES, TsaIdentity

QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"


@method_decorator(csrf_exempt, name="dispatch")
class TimeStampView(View):
    http_method_names = ["post"]
    identity: Callable[[], TsaIdentity] | None = None

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.content_type != QUERY_TYPE:
            return HttpResponse(
                status=415, content_type="text/plain; charset=utf-8", content=f"expects {QUERY_TYPE}"
            )
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            return HttpResponse(status=413, content_type="text/plain; charset=utf-8", content="too large")
        body = request.read(MAX_REQUEST_BYTES + 1)
        assert self.identity is not None, "TimeStampView.as_view(identity=...)"
        answer = self.identity().respond(body)
        response = HttpResponse(answer, content_type=REPLY_TYPE)
        response["Cache-Control"] = "no-store"
        return response
