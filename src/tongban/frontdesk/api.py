"""The front desk's API (`/api/frontdesk/...`): each endpoint states who may call it."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["frontdesk 综合窗口"])

from tongban.frontdesk.api_counter import router as counter_router  # noqa: E402

router.add_router("", counter_router)
