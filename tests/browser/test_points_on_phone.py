import pytest
from django.utils import timezone

from points.models import Appeal
from points.services import adjustment_decide, adjustment_propose, points_award
from tests.browser.conftest import no_horizontal_scroll
from tests.factories import PASSWORD, StaffFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_worker_reads_their_points_and_appeals_a_deduction_on_a_phone(
    live_server, phone, worker, community_manager, centre_manager
):
    for n in range(3):
        points_award(
            user=StaffFactory(org_unit=worker.org_unit),
            rule_code="EXAM_PASS",
            source=("exam", n),
        )
    points_award(user=worker, rule_code="EXAM_PASS", source=("exam", 9))
    proposal = adjustment_propose(
        actor=community_manager,
        user=worker,
        rule_code="COMPLAINT_UPHELD",
        occurred_on=timezone.localdate(),
        reason="居民投诉未一次性告知材料，经核实属实",
    )
    adjustment_decide(adjustment=proposal, actor=centre_manager, approve=True)

    phone.goto(f"{live_server.url}/login/")
    phone.fill("input[name=username]", worker.username)
    phone.fill("input[name=password]", PASSWORD)
    phone.click("button[type=submit]")
    phone.wait_for_url(f"{live_server.url}/")
    phone.goto(f"{live_server.url}/points/")

    assert "第 4 名 / 4 人" in phone.text_content("[data-standing] summary")
    assert "未一次性告知材料" in phone.text_content("[data-adjustment]")
    assert no_horizontal_scroll(phone)

    phone.click("[data-adjustment] details summary")
    phone.fill("[data-appeal-form] textarea", "当天已告知材料清单，请调取录音。")
    phone.click("[data-appeal-form] button")

    phone.wait_for_selector("[data-appeal-status]")
    assert "申诉：待处理" in phone.text_content("[data-appeal-status]")
    assert Appeal.objects.get().text == "当天已告知材料清单，请调取录音。"
    assert no_horizontal_scroll(phone)


def test_anyone_checks_a_certificate_on_a_phone_by_typing_its_serial(
    live_server, phone, worker
):
    from points.models import Certificate
    from tests.points.events import exam, high_frequency_done

    high_frequency_done(worker, "SH")
    exam(worker, 75)  # 初级: the 高频事项, the exam (20 points) and 40 items
    for n in range(40):
        points_award(
            user=worker,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=timezone.now() - timezone.timedelta(days=10 - n // 8),
        )
    certificate = Certificate.objects.get(user=worker)

    phone.goto(f"{live_server.url}/verify/")
    phone.fill("input[name=serial]", certificate.serial.lower())
    phone.click("form button[type=submit]")

    phone.wait_for_selector("[data-verify]")
    assert phone.text_content("[data-status]").strip() == "有效"
    assert phone.text_content("[data-holder]") == worker.name
    assert no_horizontal_scroll(phone)
