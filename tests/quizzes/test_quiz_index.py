from quizzes.models import AnnualExamPage, DrawRuleRow, QuizIndexPage


def test_the_quiz_centre_lists_its_exams(client, manual, bank, worker):
    """Each quiz page's breadcrumb leads here; it once failed for want of a
    template."""
    index = QuizIndexPage(title="测验中心", slug="ceyan", intro="分类测验与年度考试。")
    manual["root"].add_child(instance=index)
    index.save_revision().publish()
    exam = AnnualExamPage(title="年度全能社工考试", slug="kaoshi")
    exam.draw_rules = [DrawRuleRow(count=3)]
    index.add_child(instance=exam)
    exam.save_revision().publish()
    client.force_login(worker)

    response = client.get(index.url)

    html = response.content.decode()
    assert response.status_code == 200
    assert "分类测验与年度考试。" in html
    assert f'href="{exam.url}"' in html and "年度全能社工考试" in html
