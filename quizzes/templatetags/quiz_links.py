"""Links from the manual's pages to the quizzes on them.

Quizzes build on the manual, not the other way round, so the manual's page
models leave quizzes alone and their templates ask here.
"""

from django import template

from quizzes import selectors

register = template.Library()


@register.simple_tag
def practice_quizzes_for(item):
    return selectors.practice_quizzes_for(item=item)


@register.simple_tag
def practice_quizzes_in(category):
    return selectors.practice_quizzes_in(category=category)


@register.simple_tag
def category_quizzes_for(category):
    return selectors.category_quizzes_for(category=category)


@register.inclusion_tag("quizzes/includes/exam_link.html", takes_context=True)
def annual_exam_link(context):
    """This year's exam (open, else the next) and the 测验中心, as a card."""
    return {
        "request": context.get("request"),
        "exam": selectors.annual_exam_current(),
        "centre": selectors.quiz_centre_page(),
    }
