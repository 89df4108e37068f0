"""The Django admin, for staff. Every write goes through a service, so the gates, the audit log,
the stored roll-ups (gate progress, health, last update week) and the cached pages (keyed by
the team's data version, which every audit event moves on) hold for admin users too. What no
service does is refused:

- teams: created and edited through ``team_create`` / ``team_update``, members through
  ``membership_set`` / ``membership_remove``; never deleted (initiatives and audit log stay).
- initiatives: edited through ``initiative_update``; created in the web UI or API (they take
  a snapshot of the checklists); never deleted: cancel them instead.
- milestones: edited through ``milestone_update`` (a new date is a slip, with a reason once
  started) and ``milestone_transition``; never deleted: cancel them instead.
- tasks: edited through ``task_update``; never deleted: mark them won't do instead.
- status updates, checklist items and the audit log are read-only: an update is the DRI's
  weekly statement (revised by posting again that week), a checklist decision is made in the
  web UI or API by the person who holds the role.
- checklist templates: a team's own copy is made with ``template_copy_default`` and edited
  section by section and item by item through ``services.templates`` (each edit a new version
  and an audit event); the built-in defaults are read-only; templates are never deleted.

- users are deactivated, never deleted: their names stay on the audit log and on the
  checklist decisions they made (the foreign keys to them are PROTECT too).

A refusal of a service rolls the whole save back, inlines included, and is shown on the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.forms.models import BaseModelFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

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
from initiatives.rules.exceptions import ApplicationError, ValidationFailed
from initiatives.services import initiatives as initiative_services
from initiatives.services import milestones as milestone_services
from initiatives.services import tasks as task_services
from initiatives.services import teams as team_services
from initiatives.services import templates as template_services


def refusal_text(error: ApplicationError) -> str:
    """The service's message, with the fields it names (a ValidationFailed)."""
    fields = error.data.get("fields") or {}
    details = "; ".join(f"{name}: {' '.join(map(str, msgs))}" for name, msgs in fields.items())
    return f"{error.message} {details}".strip()


def changed(form: forms.ModelForm, allowed: tuple[str, ...]) -> dict[str, Any]:
    """The cleaned values of the fields the form changed, among ``allowed``."""
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


def route_formset(
    formset: BaseModelFormSet,
    *,
    add: Callable[[Any], object],
    update: Callable[[Any, dict[str, Any]], object],
    remove: Callable[[Any], object],
) -> None:
    """Hand each row an inline formset added, changed or deleted to a service, instead of
    saving it (``save(commit=False)`` only builds the rows)."""
    formset.save(commit=False)
    for row in formset.new_objects:
        add(row)
    for row, names in formset.changed_objects:
        update(row, {name: getattr(row, name) for name in names})
    for row in formset.deleted_objects:
        remove(row)


class ServiceWrites(admin.ModelAdmin):
    """An admin whose saves call services: a refusal (any ApplicationError) rolls back the
    whole save (``changeform_view`` runs in one transaction) and is shown as an error."""

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ApplicationError as error:
            self.message_user(request, f"Not saved: {refusal_text(error)}", messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # domain rows are cancelled, closed or kept; never hard-deleted


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that only their own flow writes (the web UI, the API, the services)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- Teams -----------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ["user", "role"]
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(ServiceWrites):
    list_display = ["key", "name", "time_zone", "reminder_weekday", "digest_weekday"]
    search_fields = ["key", "name"]
    fields = ["key", "name", *team_services.EDITABLE_FIELDS[1:]]
    inlines = [MembershipInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["key"] if obj is not None else []  # the key names every initiative

    def save_model(self, request: HttpRequest, obj: Team, form: Any, change: bool) -> None:
        if change:
            allowed = team_services.EDITABLE_FIELDS
            services.team_update(team=obj, actor=request.user, changes=changed(form, allowed))
            return
        settings = {name: form.cleaned_data[name] for name in team_services.EDITABLE_FIELDS}
        created = services.team_create(actor=request.user, key=obj.key, **settings)
        obj.pk = created.pk  # the inlines save against it

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        team, actor = form.instance, request.user

        def update(membership: Membership, changes: Mapping[str, Any]) -> None:
            if "user" in changes:
                raise ValidationFailed(
                    fields={"user": ["Remove the membership and add the new person instead."]}
                )
            services.membership_set(team=team, actor=actor, user=membership.user, **changes)

        route_formset(
            formset,
            add=lambda m: services.membership_set(team=team, actor=actor, user=m.user, role=m.role),
            update=update,
            remove=lambda m: services.membership_remove(team=team, actor=actor, user=m.user),
        )


# --- Checklist templates ---------------------------------------------------------------------


def is_default(template: ChecklistTemplate | None) -> bool:
    return template is not None and template.team_id is None


class TeamTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["team", "kind"]

    def clean_team(self) -> Team:
        team = self.cleaned_data["team"]
        if team is None:
            raise forms.ValidationError("Choose the team that gets its own copy of the default.")
        return team


class ChecklistSectionInline(admin.TabularInline):
    model = ChecklistSection
    extra = 0
    fields = list(template_services.SECTION_FIELDS)
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_default(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_default(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_default(obj)


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(ServiceWrites):
    list_display = ["__str__", "team", "kind", "version", "updated_at"]
    list_filter = ["kind"]
    list_select_related = ["team"]
    form = TeamTemplateForm
    inlines = [ChecklistSectionInline]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["team", "kind", "version"] if obj is not None else ["version"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return not is_default(obj) and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ChecklistTemplate, form: Any, change: bool
    ) -> None:
        if change:
            return  # its own fields are read-only; the sections are saved one by one
        created = services.template_copy_default(
            team=form.cleaned_data["team"], kind=form.cleaned_data["kind"], actor=request.user
        )
        obj.pk, obj.version = created.pk, created.version

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        template, actor = form.instance, request.user
        route_formset(
            formset,
            add=lambda s: services.template_section_add(
                template=template, actor=actor, title=s.title, position=s.position
            ),
            update=lambda s, changes: services.template_section_update(
                section=s, actor=actor, changes=changes
            ),
            remove=lambda s: services.template_section_remove(section=s, actor=actor),
        )


class TemplateItemInline(admin.StackedInline):
    model = TemplateItem
    extra = 0
    fields = list(template_services.ITEM_FIELDS)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not is_default(obj.template)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not is_default(obj.template)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not is_default(obj.template)


@admin.register(ChecklistSection)
class ChecklistSectionAdmin(ServiceWrites):
    list_display = ["title", "template", "position"]
    list_select_related = ["template__team"]
    fields = ["template", *template_services.SECTION_FIELDS]
    readonly_fields = ["template"]
    inlines = [TemplateItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # sections are added on their template's page

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        default = obj is not None and is_default(obj.template)
        return not default and super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: ChecklistSection, form: Any, change: bool
    ) -> None:
        changes = changed(form, template_services.SECTION_FIELDS)
        if changes:
            services.template_section_update(section=obj, actor=request.user, changes=changes)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        section, actor = form.instance, request.user
        fields = template_services.ITEM_FIELDS
        route_formset(
            formset,
            add=lambda i: services.template_item_add(
                section=section, actor=actor, fields={name: getattr(i, name) for name in fields}
            ),
            update=lambda i, changes: services.template_item_update(
                item=i, actor=actor, changes=changes
            ),
            remove=lambda i: services.template_item_remove(item=i, actor=actor),
        )


# --- Initiatives, milestones, tasks ----------------------------------------------------------


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = ["kind", "section", "text", "required", "signoff_role", "status", "decided_by"]


class MilestoneInline(ReadOnlyInline):
    model = Milestone
    fields = ["title", "due_date", "state"]
    show_change_link = True


class InitiativeAdminForm(forms.ModelForm):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Needed to lower a security risk level that security has signed off.",
    )

    class Meta:
        model = Initiative
        fields = list(initiative_services.EDITABLE_FIELDS)


@admin.register(Initiative)
class InitiativeAdmin(ServiceWrites):
    form = InitiativeAdminForm
    list_display = ["key", "title", "team", "dri", "state", "health", "updated_at"]
    list_filter = ["team", "state", "health"]
    search_fields = ["title", "summary"]
    list_select_related = ["team", "dri"]
    stored_fields = (
        "state",
        "paused_from",
        "health",
        "last_update_week",
        "version",
        "cancel_reason",
        "state_changed_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ["team", "number", *stored_fields]
    fields = ["team", "number", *initiative_services.EDITABLE_FIELDS, "reason", *stored_fields]
    inlines = [MilestoneInline, ChecklistItemInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # created through the web UI or API, which snapshot the checklists

    def save_model(self, request: HttpRequest, obj: Initiative, form: Any, change: bool) -> None:
        changes = changed(form, initiative_services.EDITABLE_FIELDS)
        if changes:
            services.initiative_update(
                initiative=obj,
                actor=request.user,
                changes=changes,
                reason=form.cleaned_data.get("reason", ""),
            )


class MilestoneForm(forms.ModelForm):
    slip_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why the delivery date moves (needed once the milestone has started).",
    )

    class Meta:
        model = Milestone
        fields = [*milestone_services.EDITABLE_FIELDS, "state"]


class SlipInline(ReadOnlyInline):
    model = MilestoneSlip
    readonly_fields = ("old_date", "new_date", "reason", "actor", "created_at")
    fields = readonly_fields


@admin.register(Milestone)
class MilestoneAdmin(ServiceWrites):
    list_display = ["title", "initiative", "due_date", "state"]
    list_filter = ["state"]
    search_fields = ["title"]
    list_select_related = ["initiative__team"]
    form = MilestoneForm
    readonly_fields = ["initiative", "original_due_date", "started_at", "completed_at"]
    fields = [
        "initiative",
        "title",
        "scope",
        "due_date",
        "slip_reason",
        "position",
        "state",
        "original_due_date",
        "started_at",
        "completed_at",
    ]
    inlines = [SlipInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # planned on the initiative's page or through the API

    def save_model(self, request: HttpRequest, obj: Milestone, form: Any, change: bool) -> None:
        changes = changed(form, milestone_services.EDITABLE_FIELDS)
        if changes:
            services.milestone_update(
                milestone=obj,
                actor=request.user,
                changes=changes,
                slip_reason=form.cleaned_data["slip_reason"],
            )
        if "state" in form.changed_data:
            services.milestone_transition(
                milestone=obj, actor=request.user, to=form.cleaned_data["state"]
            )


@admin.register(Task)
class TaskAdmin(ServiceWrites):
    list_display = ["title", "initiative", "milestone", "assignee", "state"]
    list_filter = ["state"]
    search_fields = ["title"]
    list_select_related = ["initiative__team", "milestone", "assignee"]
    fields = ["initiative", *task_services.EDITABLE_FIELDS, "scope_change", "closed_at"]
    readonly_fields = ["initiative", "scope_change", "closed_at"]
    # The whole site's milestones and users would not fit in a drop-down.
    raw_id_fields = ["assignee", "milestone"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # added on the initiative's page or through the API

    def save_model(self, request: HttpRequest, obj: Task, form: Any, change: bool) -> None:
        changes = changed(form, task_services.EDITABLE_FIELDS)
        if changes:
            services.task_update(task=obj, actor=request.user, changes=changes)


# --- Read-only records -----------------------------------------------------------------------


class RevisionInline(ReadOnlyInline):
    model = StatusUpdateRevision
    readonly_fields = (
        "revision",
        "health",
        "progress",
        "risks",
        "next_week",
        "author",
        "created_at",
    )
    fields = readonly_fields


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ReadOnlyAdmin):
    list_display = ["initiative", "week", "health", "author", "revision"]
    list_filter = ["health", "week"]
    list_select_related = ["initiative__team", "author"]
    inlines = [RevisionInline]


@admin.register(ActivityEvent)
class ActivityEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "team", "initiative", "actor", "verb", "summary"]
    list_filter = ["verb", "team"]
    list_select_related = ["team", "initiative__team", "actor"]


User = get_user_model()


@admin.action(description="Deactivate the selected users (they can no longer sign in)")
def deactivate_users(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: Any) -> None:
    count = queryset.filter(is_active=True).update(is_active=False)
    modeladmin.message_user(request, f"Deactivated {count} user(s).", messages.SUCCESS)


class DeactivateNotDeleteUserAdmin(UserAdmin):
    """Django's user admin without deletion: a deleted user would take who did what with
    them; deactivating keeps every name on the record."""

    actions = [deactivate_users]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


admin.site.unregister(User)
admin.site.register(User, DeactivateNotDeleteUserAdmin)
