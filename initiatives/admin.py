"""Staff admin. State and checklist statuses are read-only here: they change only through the
services (the web UI and API), so every gate and audit rule holds for admin users too."""

from django.contrib import admin, messages

from initiatives import services
from initiatives.models import (
    ActivityEvent,
    ChecklistItem,
    ChecklistSection,
    ChecklistTemplate,
    Initiative,
    Membership,
    Milestone,
    MilestoneSlip,
    StatusUpdate,
    StatusUpdateRevision,
    Task,
    Team,
    TemplateItem,
)
from initiatives.rules.exceptions import ApplicationError
from initiatives.services.checklists import template_touch


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["key", "name", "time_zone", "reminder_weekday", "digest_weekday"]
    search_fields = ["key", "name"]
    inlines = [MembershipInline]

    def save_formset(self, request, form, formset, change):
        # Membership changes go through the service so they are audited.
        if formset.model is not Membership:
            return super().save_formset(request, form, formset, change)
        instances = formset.save(commit=False)
        try:
            for membership in instances:
                services.membership_set(
                    team=form.instance,
                    actor=request.user,
                    user=membership.user,
                    role=membership.role,
                )
            for membership in formset.deleted_objects:
                services.membership_remove(
                    team=form.instance, actor=request.user, user=membership.user
                )
        except ApplicationError as error:
            messages.error(request, error.message)


class ChecklistSectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 0
    show_change_link = True


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["__str__", "team", "kind", "version", "updated_at"]
    list_filter = ["kind"]
    readonly_fields = ["version"]
    inlines = [ChecklistSectionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and (form.has_changed() or any(fs.has_changed() for fs in formsets)):
            template_touch(form.instance)


class TemplateItemInline(admin.StackedInline):
    model = TemplateItem
    extra = 0


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(admin.ModelAdmin):
    list_display = ["title", "template", "position"]
    inlines = [TemplateItemInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if any(fs.has_changed() for fs in formsets) or form.has_changed():
            template_touch(form.instance.template)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["kind", "section", "text", "required", "signoff_role", "status", "decided_by"]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "due_date", "state"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["key", "title", "team", "dri", "state", "health", "updated_at"]
    list_filter = ["team", "state", "health"]
    search_fields = ["title", "summary"]
    list_select_related = ["team", "dri"]
    readonly_fields = [
        "team",
        "number",
        "state",
        "paused_from",
        "health",
        "last_update_week",
        "version",
        "cancel_reason",
        "state_changed_at",
        "created_at",
        "updated_at",
    ]
    fields = [
        "team",
        "number",
        "title",
        "summary",
        "dri",
        "design_doc_url",
        "target_date",
        "security_risk",
        *readonly_fields[2:],
    ]
    inlines = [MilestoneInline, ChecklistItemInline]

    def has_add_permission(self, request):
        return False  # created through the web UI or API, which snapshot the checklists

    def has_delete_permission(self, request, obj=None):
        return False  # never hard-deleted: cancel instead

    def save_model(self, request, obj, form, change):
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        try:
            services.initiative_update(initiative=obj, actor=request.user, changes=changes)
        except ApplicationError as error:
            messages.error(request, f"Not saved: {error.message}")


class SlipInline(ReadOnlyInline):
    model = MilestoneSlip
    fields = ["old_date", "new_date", "reason", "actor", "created_at"]
    readonly_fields = fields


@admin.register(Milestone)
class MilestoneAdmin(admin.ModelAdmin):
    list_display = ["title", "initiative", "due_date", "state"]
    list_filter = ["state"]
    readonly_fields = [
        "initiative",
        "title",
        "scope",
        "due_date",
        "original_due_date",
        "state",
        "started_at",
        "completed_at",
    ]
    inlines = [SlipInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["title", "initiative", "milestone", "assignee", "state"]
    list_filter = ["state"]
    search_fields = ["title"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RevisionInline(ReadOnlyInline):
    model = StatusUpdateRevision
    fields = ["revision", "health", "progress", "risks", "next_week", "author", "created_at"]
    readonly_fields = fields


@admin.register(StatusUpdate)
class StatusUpdateAdmin(admin.ModelAdmin):
    list_display = ["initiative", "week", "health", "author", "revision"]
    list_filter = ["health", "week"]
    inlines = [RevisionInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ActivityEvent)
class ActivityEventAdmin(admin.ModelAdmin):
    list_display = ["created_at", "team", "initiative", "actor", "verb", "summary"]
    list_filter = ["verb", "team"]
    list_select_related = ["team", "initiative__team", "actor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
