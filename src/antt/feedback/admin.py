from django.contrib import admin

from antt.feedback.models import FeedbackDeadlineRule, FeedbackTopic, Rating, RatingAnswer, RatingCriterion


@admin.register(RatingCriterion)
class RatingCriterionAdmin(admin.ModelAdmin):
    list_display = ("code", "kind", "overall", "valid_from", "valid_to", "confidence")
    list_filter = ("kind", "confidence")
    search_fields = ("code", "question")


class RatingAnswerInline(admin.TabularInline):
    model = RatingAnswer
    extra = 0
    can_delete = False
    readonly_fields = ("criterion", "option_code", "points")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    """Read-only: ratings are the applicants' words; nobody edits them."""

    list_display = ("dossier", "channel", "overall_level", "total_points", "max_points", "unit", "created_at")
    list_filter = ("channel", "overall_level")
    readonly_fields = [f.name for f in Rating._meta.fields]
    inlines = [RatingAnswerInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Phản ánh, kiến nghị: the data officers and administrators edit ---------------------------
# Feedback rows themselves are not in the admin: they carry personal data, and every staff
# read of it must be logged (the officers' pages do); changes go through `feedback.handling`.


@admin.register(FeedbackTopic)
class FeedbackTopicAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "order", "field", "is_active")
    list_filter = ("is_active",)
    search_fields = ("code", "name")
    ordering = ("order", "name")


@admin.register(FeedbackDeadlineRule)
class FeedbackDeadlineRuleAdmin(admin.ModelAdmin):
    """The legal times: a change of law is a new row with its `valid_from`, never an edit of the old one."""

    list_display = ("subject", "stage", "working_days", "valid_from", "valid_to", "verified")
    list_filter = ("subject", "stage", "verified")
    search_fields = ("legal_basis", "source")
