"""The front desk's API (`/api/frontdesk/...`): each endpoint states who may call it."""

from __future__ import annotations

from ninja import Router

from tongban.frontdesk.api_counter import router as counter_router
from tongban.frontdesk.api_queue import router as queue_router

router = Router(tags=["frontdesk 综合窗口"])
router.add_router("", queue_router)
router.add_router("", counter_router)
