"""Shared setup of the hand-out, pad and figures tests: concluded cases taken in at a centre, signatures."""

from __future__ import annotations

import base64
import io
import itertools
import uuid
from datetime import timedelta

from django.utils import timezone

from tongban.cases.models import Case
from tongban.frontdesk.models import Service

_seq = itertools.count(1)


def concluded_case(person, *, centre=None, window=None, clerk=None, delivery="window", status="concluded"):
    """A concluded case of ``person`` (accepted at ``window`` of ``centre`` when given: a service names it)."""
    now = timezone.now()
    n = next(_seq)
    case = Case.objects.create(
        number=f"TB20261207HD{n:06d}"[:18],
        target_kind="item",
        target_uuid=uuid.uuid4(),
        name="个体工商户登记",
        lead_department_uuid=uuid.uuid4(),
        lead_department_name="市场监督管理局",
        applicant_kind="person",
        applicant_uuid=person.uuid,
        applicant_name=person.real_name,
        submitted_by=person.user_id,
        idempotency_key=f"hd-{n}",
        status=status,
        outcome="approved",
        promised_days=5,
        legal_days=20,
        submitted_at=now - timedelta(days=3),
        accepted_on=(now - timedelta(days=3)).date(),
        concluded_at=now - timedelta(hours=2),
        delivery_method=delivery,
        lookup_code="123456",
    )
    if centre is not None:
        Service.objects.create(
            centre=centre,
            window=window,
            clerk_user_id=clerk.pk,
            clerk_label=clerk.display_name,
            case_uuids=[str(case.uuid)],
            finished_at=now,
        )
    return case


def png_data_url(*, ink: bool = True, size=(300, 100), noise: bool = False) -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (255, 255, 255, 0))
    if ink:
        draw = ImageDraw.Draw(image)
        draw.line([(20, 70), (80, 20), (140, 80), (220, 30), (280, 60)], fill=(0, 0, 0, 255), width=4)
    if noise:  # a big, incompressible image
        import os

        image = Image.frombytes("RGBA", size, os.urandom(size[0] * size[1] * 4))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def post(client, url, data):
    """A form post with the CSRF token, as the browser sends it."""
    from tests.conftest import csrf_headers

    return client.post(url, data, **csrf_headers(client))
