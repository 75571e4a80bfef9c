from django.urls import reverse


def test_visitors_get_a_chinese_home_page_with_a_login_link(client, db):
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-Hans">' in html
    assert "社工学堂" in html and "登录" in html


def test_logged_in_worker_sees_their_name_and_unit(client, worker):
    client.force_login(worker)
    html = client.get(reverse("home")).content.decode()
    assert worker.name in html
    assert "衢州路社区" in html
    assert "管理后台" not in html


def test_trainer_home_links_to_the_admin(client, trainer):
    client.force_login(trainer)
    html = client.get(reverse("home")).content.decode()
    assert "进入管理后台" in html


def test_admin_speaks_chinese(client, trainer):
    client.force_login(trainer)
    html = client.get("/admin/").content.decode()
    assert 'lang="zh-hans"' in html.lower() or "仪表板" in html or "控制面板" in html
