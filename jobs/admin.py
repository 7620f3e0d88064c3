from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "kind",
        "status",
        "progress_done",
        "progress_total",
        "started_by",
        "created_at",
        "attempts",
    ]
    list_filter = ["kind", "status"]
    readonly_fields = [field.name for field in Job._meta.fields]
