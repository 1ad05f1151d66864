"""Assessments in the admin, read only: the weights schemes (a new version is added on the supervisors' page
/supervision/assessments/schemes/, which checks it), the assessed periods and the circulars (their documents
are not shown)."""

from django.contrib import admin

from tongban.core.admin import ReadOnlyAdmin
from tongban.supervision.models import AssessmentRun, AssessmentScheme, Circular


@admin.register(AssessmentScheme)
class AssessmentSchemeAdmin(ReadOnlyAdmin):
    list_display = ("version", "effective_from", "weights", "created_by_label", "created_at")


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyAdmin):
    list_display = ("period_kind", "period_start", "period_end", "scheme_version", "computed_at")
    list_filter = ("period_kind",)


@admin.register(Circular)
class CircularAdmin(ReadOnlyAdmin):
    list_display = ("title", "office_name", "period_start", "status", "issued_at", "sealed_at")
    list_filter = ("status", "period_kind")
    exclude = ("document",)
