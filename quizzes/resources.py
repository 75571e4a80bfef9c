from import_export import fields, resources

from quizzes import bank
from quizzes.models import Question


class QuestionResource(resources.ModelResource):
    """The question bank in the Chinese template's columns (题型, 题干, 选项A–F…)."""

    class Meta:
        model = Question
        fields = ()

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.fields = {
            column: fields.Field(column_name=column, attribute=None)
            for column in bank.COLUMNS
        }

    def export_resource(self, instance, selected_fields=None, **kwargs):
        row = bank.question_row(instance)
        return [row[column] for column in bank.COLUMNS]

    def get_export_headers(self, selected_fields=None, **kwargs):
        return list(bank.COLUMNS)

    def filter_export(self, queryset, **kwargs):
        return queryset.select_related("current", "item")
