"""Certificates in real Chinese fonts, verifiable by QR code, revocable with a
reason, re-issued with their history."""

import datetime

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from manuals.services import restudy_task_assign
from points.certificates import (
    STATUS_LABELS,
    certificate_pdf,
    new_serial,
    normalise_serial,
    render_pdf,
    verify_url,
)
from points.checks import check_certificate_font
from points.forms import SERIAL_SHAPE
from points.models import Certificate, CertificateTemplate, RestudyDue
from points.services import (
    MSG_REVOKE_NEEDS_REASON,
    PointsActionRefused,
    certificate_issue_hours,
    certificate_issue_level,
    certificate_reissue,
    certificate_revoke,
    points_award,
)
from tests.factories import StaffFactory
from tests.points.events import exam, high_frequency_done
from tests.points.pages import visible_text
from tests.points.pdf import embedded_fonts, notdef_count, pdf_text, qr_codes

pytestmark = pytest.mark.django_db

SIZE_BUDGET = 200_000


def _reach_first_level(user):
    """初级: the 高频事项 done, the exam passed (20 points) and forty items read
    over five days (40 points)."""
    high_frequency_done(user, "SH")
    exam(user, 75)
    start = timezone.now() - datetime.timedelta(days=10)
    for n in range(40):
        points_award(
            user=user,
            rule_code="READ_ITEM",
            source=("item", n),
            occurred_at=start + datetime.timedelta(days=n // 8),
        )


@pytest.fixture
def holder(worker):
    worker.name = "欧阳晓燕"
    worker.save()
    _reach_first_level(worker)
    return worker


@pytest.fixture
def certificate(holder):
    return Certificate.objects.get(user=holder)


def test_reaching_a_level_issues_its_certificate_once(holder):
    [certificate] = Certificate.objects.filter(user=holder)
    assert certificate.title == "初级社工证书"
    assert "累计获得积分 60 分" in certificate.body
    assert certificate.valid_until == datetime.date(
        timezone.localdate().year + 1, 12, 31
    )

    again, created = certificate_issue_level(user=holder)

    assert (again, created) == (certificate, False)
    assert Certificate.objects.filter(user=holder).count() == 1


def test_the_pdf_prints_the_name_in_a_subset_chinese_font_within_budget(certificate):
    pdf = certificate_pdf(certificate)

    text = pdf_text(pdf)
    assert "欧阳晓燕" in text
    assert "初级社工证书" in text.replace(" ", "")
    assert notdef_count(pdf) == 0
    fonts = embedded_fonts(pdf)
    assert fonts and all(embedded for _name, embedded in fonts)
    # A subset font is named with a six-letter tag: ABCDEF+Noto-Serif-CJK-SC.
    assert all(name[7] == "+" and "CJK" in name for name, _e in fonts), fonts
    assert len(pdf) <= SIZE_BUDGET, len(pdf)


def test_a_missing_glyph_would_be_caught(certificate):
    # U+3134A (CJK Extension G) is in no installed font: an empty box.
    missing = chr(0x3134A)
    style = "font-family: 'Noto Serif CJK SC'"
    pdf = render_pdf(f'<html><body style="{style}">{missing}面</body></html>')
    assert notdef_count(pdf) == 1


def test_the_qr_code_decodes_to_the_verify_page(certificate):
    pdf = certificate_pdf(certificate)
    assert qr_codes(pdf) == [verify_url(certificate.serial)]
    assert verify_url(certificate.serial).endswith(f"/verify/{certificate.serial}/")


def test_a_certificate_fetched_on_another_port_points_there(
    client, holder, certificate, centre_manager
):
    client.force_login(holder)
    mine = client.get(
        reverse("points:certificate_pdf", args=[certificate.serial]),
        HTTP_HOST="127.0.0.1:9000",
    )
    expected = f"http://127.0.0.1:9000/verify/{certificate.serial}/"
    assert qr_codes(mine.content) == [expected]
    assert expected in pdf_text(mine.content).replace(" ", "")

    client.force_login(centre_manager)
    admin = client.get(
        reverse("certificates:pdf", args=[certificate.pk]),
        HTTP_HOST="localhost:8123",
    )
    assert qr_codes(admin.content) == [
        f"http://localhost:8123/verify/{certificate.serial}/"
    ]


@override_settings(WAGTAILADMIN_BASE_URL="https://xuetang.example.cn/")
def test_without_a_request_the_configured_address_is_used(certificate):
    pdf = certificate_pdf(certificate)
    assert qr_codes(pdf) == [f"https://xuetang.example.cn/verify/{certificate.serial}/"]


def test_the_hours_certificate_states_the_years_hours(worker):
    year = timezone.localdate().year - 1
    points_award(
        user=worker,
        rule_code="TRAIN_ATTEND",
        source=("training", 1),
        quantity=3.5,
        occurred_at=timezone.make_aware(datetime.datetime(year, 5, 6, 9)),
    )
    certificate, created = certificate_issue_hours(user=worker, year=year)
    assert created
    text = pdf_text(certificate_pdf(certificate))
    assert f"{year}年度" in text.replace(" ", "") and "3.5" in text


def _verify(client, serial):
    response = client.get(reverse("points:verify", args=[serial]))
    return response, response.content.decode()


def test_the_verify_page_shows_each_status_and_nothing_personal(
    client, holder, certificate, centre_manager, manual
):
    response, page = _verify(client, certificate.serial)
    assert response.status_code == 200
    assert "欧阳晓燕" in page and STATUS_LABELS["valid"] in page
    for private in (holder.username, holder.phone, holder.org_unit.name):
        assert private not in page

    task = restudy_task_assign(user=holder, page=manual["dibao"], now=timezone.now())
    assert 'data-status="restudy"' in _verify(client, certificate.serial)[1]
    RestudyDue.objects.filter(task_id=task.pk).update(finished_at=timezone.now())

    Certificate.objects.filter(pk=certificate.pk).update(
        valid_until=timezone.localdate() - datetime.timedelta(days=1)
    )
    assert 'data-status="expired"' in _verify(client, certificate.serial)[1]
    Certificate.objects.filter(pk=certificate.pk).update(valid_until=None)

    new = certificate_reissue(certificate=certificate, actor=centre_manager)
    page = _verify(client, certificate.serial)[1]
    assert 'data-status="superseded"' in page and new.serial in page
    assert 'data-status="valid"' in _verify(client, new.serial)[1]

    certificate_revoke(
        certificate=new,
        actor=centre_manager,
        reason="张某冒名参加考试，见纪检通报",
        category="misconduct",
    )
    page = _verify(client, new.serial)[1]
    assert 'data-status="revoked"' in page
    # The public page names the kind of reason, never the manager's words.
    assert "违规取得" in page and "冒名" not in page
    assert f"{timezone.localdate():%Y年%-m月%-d日}" in page


def test_an_unknown_serial_is_not_found_and_typing_mistakes_are_forgiven(
    client, certificate
):
    response, _page = _verify(client, "GC26-0000-0000-0000")
    assert response.status_code == 404
    typed = certificate.serial.lower().replace("0", "o")
    found = client.get(reverse("points:verify_form"), {"serial": typed}, follow=True)
    assert "欧阳晓燕" in found.content.decode()


@pytest.mark.parametrize(
    "typed",
    [
        "GC26 7K2M QX4P 91TB",
        "gc267k2mqx4p91tb",
        "GC26-7K2M-QX4P-9ITB",
        " gc26 7k2m-qx4p 9ltb ",
        "ＧＣ２６－７Ｋ２Ｍ－ＱＸ４Ｐ－９１ＴＢ",
    ],
)
def test_a_typed_serial_becomes_the_printed_one(typed):
    assert normalise_serial(typed) == "GC26-7K2M-QX4P-91TB"


def test_the_verify_form_finds_a_serial_typed_with_spaces_or_without_hyphens(
    client, certificate
):
    compact = certificate.serial.replace("-", "")
    canonical = reverse("points:verify", args=[certificate.serial])
    for typed in (
        certificate.serial.replace("-", " "),
        compact.lower(),
        compact[:4] + " " + compact[4:].replace("0", "O").replace("1", "I"),
    ):
        response = client.get(reverse("points:verify_form"), {"serial": typed})
        assert (response.status_code, response.url) == (302, canonical), typed
        assert "欧阳晓燕" in client.get(response.url).content.decode()
    typed_in_the_address = client.get(
        reverse("points:verify", args=[compact.lower()]), follow=True
    )
    assert typed_in_the_address.redirect_chain[-1][0] == canonical


def test_the_verify_form_says_nonsense_is_not_a_serial(client):
    for typed in ("  /?  ", "abc/def", "GC26-7K2M"):
        response = client.get(reverse("points:verify_form"), {"serial": typed})
        assert response.status_code == 400
        assert "证书编号：格式不对" in response.content.decode()
    assert client.get(reverse("points:verify", args=["ABCDEF"])).status_code == 404


def test_serials_are_long_random_and_unique(holder, worker):
    serials = {Certificate.objects.get(user=holder).serial}
    for _n in range(3):
        other = StaffFactory(org_unit=holder.org_unit)
        _reach_first_level(other)
        serials.add(Certificate.objects.get(user=other).serial)
    assert len(serials) == 4
    # The generator itself, many times over: 60 random bits never repeat here.
    serials |= {new_serial(2026) for _n in range(5000)}
    assert len(serials) == 5004
    assert all(SERIAL_SHAPE.fullmatch(s) for s in serials)
    assert all(len(s.replace("-", "")) == 16 for s in serials)


def test_revoking_needs_a_reason_is_logged_and_stops_downloads(
    client, holder, certificate, centre_manager
):
    with pytest.raises(PointsActionRefused) as refused:
        certificate_revoke(certificate=certificate, actor=centre_manager, reason=" ")
    assert str(refused.value) == MSG_REVOKE_NEEDS_REASON

    certificate_revoke(
        certificate=certificate, actor=centre_manager, reason="冒名参加考试"
    )

    log = ModelLogEntry.objects.get(
        object_id=str(certificate.pk), action="points.certificate.revoke"
    )
    assert log.user == centre_manager and log.data["reason"] == "冒名参加考试"
    client.force_login(holder)
    response = client.get(reverse("points:certificate_pdf", args=[certificate.serial]))
    assert response.status_code == 410
    assert "冒名参加考试" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    client.force_login(centre_manager)
    admin = client.get(reverse("certificates:pdf", args=[certificate.pk]))
    assert admin["Content-Type"].startswith("text/html")


def test_revoking_in_the_admin_asks_for_confirmation_first(
    client, certificate, centre_manager
):
    client.force_login(centre_manager)
    url = reverse("certificates:revoke", args=[certificate.pk])

    asked = client.post(url, {"reason": "冒名参加考试", "category": "misconduct"})

    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    text = visible_text(asked)
    assert certificate.serial in text and "冒名参加考试" in text
    assert "核验页立即显示“已撤销”" in text and "撤销不能恢复" in text
    assert "确认撤销" in text and "违规取得" in text

    client.post(
        url, {"reason": "冒名参加考试", "category": "misconduct", "confirm": "1"}
    )

    certificate.refresh_from_db()
    assert certificate.revoked_at is not None
    assert certificate.revoke_reason == "冒名参加考试"
    assert certificate.get_revoke_category_display() == "违规取得"


def test_the_holder_downloads_their_pdf_and_others_cannot(
    client, org, holder, certificate
):

    client.force_login(holder)
    response = client.get(reverse("points:certificate_pdf", args=[certificate.serial]))
    assert response["Content-Type"] == "application/pdf"
    assert "欧阳晓燕" in pdf_text(response.content)
    listing = client.get(reverse("points:certificates")).content.decode()
    assert certificate.serial in listing

    client.force_login(StaffFactory(org_unit=holder.org_unit))
    other = client.get(reverse("points:certificate_pdf", args=[certificate.serial]))
    assert other.status_code == 403


def test_the_transcript_lists_points_and_hours_by_year(client, holder):
    client.force_login(holder)
    response = client.get(reverse("points:transcript"))
    text = pdf_text(response.content)
    assert "学习档案" in text.replace(" ", "")
    assert "欧阳晓燕" in text
    assert str(timezone.localdate().year) in text


def test_trainers_change_the_wording_but_only_with_known_placeholders(
    client, trainer, holder
):
    template = CertificateTemplate.objects.get(kind="level")
    client.force_login(trainer)
    url = reverse("certificate_templates:edit", args=[template.pk])
    data = {
        "title": "{等级}认证证书",
        "body": "{姓名}同志达到{等级}，工号{工号}。",
        "issuer": "拱宸桥街道社会工作站",
        "signatory": "",
    }
    response = client.post(url, data)
    assert "不认识的占位符 {工号}" in response.content.decode()

    data["body"] = "{姓名}同志：经考核达到{等级}标准。"
    assert client.post(url, data).status_code == 302

    certificate = Certificate.objects.get(user=holder)
    new = (
        certificate_reissue(
            certificate=certificate, actor=type(holder).objects.get(is_superuser=True)
        )
        if type(holder).objects.filter(is_superuser=True).exists()
        else None
    )
    if new is None:
        from learning.roles import Role
        from tests.factories import StaffFactory

        boss = StaffFactory(org_unit=holder.org_unit.get_parent(), role=Role.MANAGER)
        new = certificate_reissue(certificate=certificate, actor=boss)
    text = pdf_text(certificate_pdf(new)).replace(" ", "")
    assert "初级社工认证证书" in text and "拱宸桥街道社会工作站" in text


def test_the_system_check_fails_clearly_without_the_cjk_font():
    assert check_certificate_font() == []
    with override_settings(CERTIFICATE_FONT_FAMILY="不存在的字体"):
        [error] = check_certificate_font()
    assert error.id == "points.E002"
    assert "空白方框" in error.msg and "fonts-noto-cjk" in error.hint


def test_manage_check_reports_it(capsys):
    with override_settings(CERTIFICATE_FONT_FAMILY="不存在的字体"):
        with pytest.raises(Exception) as failed:
            call_command("check")
    assert "points.E002" in str(failed.value)
