from django.contrib import admin

from antt.feedback.models import Rating, RatingAnswer, RatingCriterion


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
