from django.urls import reverse

from tests.factories import PASSWORD


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


def test_login_with_employee_number(client, worker, template_context):
    response = _login(client, worker.username, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == worker


def test_login_with_phone_number(client, worker, template_context):
    response = _login(client, worker.phone, PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == worker


def test_wrong_password_shows_a_chinese_message(client, worker):
    response = _login(client, worker.username, "wrong-password")
    assert response.status_code == 200
    assert "工号/手机号或密码不正确" in response.content.decode()


def test_inactive_worker_cannot_log_in(client, worker):
    worker.is_active = False
    worker.save()
    response = _login(client, worker.username, PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_account_locks_after_five_failures_even_with_right_password(client, worker):
    for _ in range(5):
        _login(client, worker.username, "wrong-password")

    response = _login(client, worker.username, PASSWORD)

    assert response.status_code == 429
    assert "账号已临时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_switching_to_the_phone_number_does_not_dodge_the_lock(client, worker):
    for _ in range(3):
        _login(client, worker.username, "wrong-password")
    for _ in range(2):
        _login(client, worker.phone, "wrong-password")

    response = _login(client, worker.phone, PASSWORD)

    assert response.status_code == 429


def test_failures_on_one_account_do_not_lock_another(client, worker, trainer):
    for _ in range(5):
        _login(client, worker.username, "wrong-password")

    response = _login(client, trainer.username, PASSWORD)

    assert response.status_code == 302


def test_admin_login_also_accepts_phone_number(client, trainer):
    response = client.post(
        "/admin/login/", {"username": trainer.phone, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_passwords_are_kept_as_argon2id_and_older_hashes_move_over_at_sign_in(
    client, worker, settings
):
    from django.contrib.auth.hashers import make_password

    from learning.settings import base

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS  # the product's, not MD5
    worker.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    worker.save(update_fields=["password"])

    assert _login(client, worker.username, PASSWORD).status_code == 302

    worker.refresh_from_db()
    assert worker.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    client.logout()
    assert _login(client, worker.username, PASSWORD).status_code == 302
    client.logout()
    assert _login(client, worker.username, "Wrong@2026").status_code == 200
