"""The national 好差评 upload's outbox in the admin: its delivery state, a failed row visible with its error
(the records themselves carry names and ID numbers and are not shown)."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.ratings.models import RatingUpload


@admin.register(RatingUpload)
class RatingUploadAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "project_no",
        "assess_number",
        "kind",
        "update_status",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
    )
    list_filter = ("status", "kind")
    search_fields = ("project_no",)
    exclude = ("payload", "user_id", "evaluation_uuid")
