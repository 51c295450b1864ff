"""Strong sign-in (R-ACCESS-4, ADR 0008): password then a code, lock-out, idle time-out, sign out
everywhere, and the administrators' unlock and reset paths."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from familyhub.access.models import SignInEvent
from familyhub.core.testing import TEST_PASSWORD, second_factor, sign_in_verified, totp_code

Kind = SignInEvent.Kind
LOCKED_TEXT = "ask an administrator to unlock your account"


def kinds(user) -> list[str]:
    return list(SignInEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def password_step(client: Client, username: str, password: str = TEST_PASSWORD, next_: str = ""):
    data = {"username": username, "password": password}
    if next_:
        data["next"] = next_
    return client.post(reverse("login"), data)


def code_step(client: Client, code: str, next_: str = ""):
    data = {"code": code}
    if next_:
        data["next"] = next_
    return client.post(reverse("login_code"), data)


@pytest.fixture
def practitioner(personas):
    second_factor(personas.practitioner)
    return personas.practitioner


# --- the two steps --------------------------------------------------------------------------------


def test_password_then_code_gives_a_verified_session(practitioner):
    client = Client()
    response = password_step(client, practitioner.username, next_="/search/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login_code"))
    assert "next=%2Fsearch%2F" in response["Location"]

    # Password alone is not enough for a staff page.
    response = client.get("/search/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("login_code"))

    page = client.get(reverse("login_code"))
    assert b"Enter the code from your authenticator app" in page.content

    response = code_step(client, totp_code(second_factor(practitioner)), next_="/search/")
    assert response.status_code == 302 and response["Location"] == "/search/"
    assert client.get("/search/").status_code == 200
    assert kinds(practitioner) == [Kind.PASSWORD_OK, Kind.CODE_OK]


def test_a_wrong_code_is_refused_at_the_field(practitioner):
    client = Client()
    password_step(client, practitioner.username)
    right = totp_code(second_factor(practitioner))
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = code_step(client, wrong)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html and "govuk-form-group--error" in html
    assert "The code is not correct" in html
    assert client.get("/search/").status_code == 302
    assert kinds(practitioner)[-1] == Kind.CODE_FAILED
    # A right code after a wrong one is accepted at once (no growing delay: axes counts failures).
    assert code_step(client, right).status_code == 302
    assert client.get("/search/").status_code == 200


def test_a_code_cannot_be_used_twice(practitioner):
    code = totp_code(second_factor(practitioner))
    first = Client()
    password_step(first, practitioner.username)
    assert code_step(first, code).status_code == 302

    second = Client()
    password_step(second, practitioner.username)
    response = code_step(second, code)
    assert response.status_code == 200
    assert "That code has already been used" in response.content.decode()
    assert second.get("/search/").status_code == 302
    assert kinds(practitioner)[-1] == Kind.CODE_REUSED


def test_first_sign_in_sets_up_an_authenticator_and_gives_backup_codes(personas):
    user = personas.group_worker
    client = Client()
    response = password_step(client, user.username)
    assert response["Location"].startswith(reverse("login_setup"))
    # The code step sends a user without an authenticator to set one up.
    assert client.get(reverse("login_code"))["Location"].startswith(reverse("login_setup"))

    page = client.get(reverse("login_setup")).content.decode()
    svg = re.search(r"<svg[^>]*app-qr-code.*?</svg>", page, re.S)
    assert svg, "the QR code is inline SVG"
    assert "style=" not in svg.group(0) and "<script" not in svg.group(0)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    import base64

    secret = secret.replace(" ", "")
    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key

    response = client.post(reverse("login_setup"), {"code": totp_code(device)})
    assert response["Location"].startswith(reverse("login_backup_codes"))
    codes_page = client.get(response["Location"]).content.decode()
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", codes_page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get(reverse("login_backup_codes"))["Location"] == reverse("home")  # shown once
    assert client.get("/search/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed

    # Next time: a backup code works, once.
    other = Client()
    password_step(other, user.username)
    assert code_step(other, codes[0]).status_code == 302
    assert other.get("/search/").status_code == 200
    third = Client()
    password_step(third, user.username)
    assert code_step(third, codes[0]).status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_set_up_is_refused_once_an_authenticator_exists(practitioner):
    client = Client()
    password_step(client, practitioner.username)
    response = client.get(reverse("login_setup"))
    assert response["Location"].startswith(reverse("login_code"))
    assert not TOTPDevice.objects.filter(user=practitioner, confirmed=False).exists()


def test_an_unverified_session_reaches_no_staff_page_and_no_api(practitioner, personas):
    client = Client()
    password_step(client, practitioner.username)
    for path in (
        "/",
        "/search/",
        "/families/",
        f"/families/{personas.household.uuid}/",
        "/account/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(reverse("login_code")), path
    response = client.get("/api/v1/households/")
    assert response.status_code == 401
    # The same session once verified reaches the API.
    code_step(client, totp_code(second_factor(practitioner)))
    assert client.get("/api/v1/households/").status_code == 200


# --- lock-out -------------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_until_an_administrator_unlocks_it(
    practitioner, personas, settings
):
    client = Client()
    for _ in range(4):
        response = password_step(client, practitioner.username, "wrong password 123")
        assert response.status_code == 200
        assert "Enter a correct username and password" in response.content.decode()
    response = password_step(client, practitioner.username, "wrong password 123")
    assert response.status_code == 403 and LOCKED_TEXT in response.content.decode()
    # The right password no longer helps, from any address.
    response = Client(REMOTE_ADDR="10.9.8.7").post(
        reverse("login"), {"username": practitioner.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 403 and LOCKED_TEXT in response.content.decode()
    assert Kind.LOCKED_OUT in kinds(practitioner)

    admin = Client()
    sign_in_verified(admin, personas.admin)
    page = admin.get(reverse("access:locked_accounts")).content.decode()
    assert practitioner.username in page and "Unlock" in page
    # Only administrators may unlock.
    other = Client()
    sign_in_verified(other, personas.team_manager)
    assert (
        other.post(reverse("access:unlock"), {"username": practitioner.username}).status_code == 403
    )

    response = admin.post(
        reverse("access:unlock"), {"username": practitioner.username}, follow=True
    )
    assert "is unlocked" in response.content.decode()
    assert (
        practitioner.username not in admin.get(reverse("access:locked_accounts")).content.decode()
    )

    client = Client()
    assert password_step(client, practitioner.username)["Location"].startswith(
        reverse("login_code")
    )
    assert code_step(client, totp_code(second_factor(practitioner))).status_code == 302
    assert client.get("/search/").status_code == 200


def test_five_wrong_codes_lock_the_account(practitioner):
    client = Client()
    password_step(client, practitioner.username)
    for _ in range(4):
        response = code_step(
            client, "000000" if totp_code(second_factor(practitioner)) != "000000" else "111111"
        )
        assert response.status_code == 200
    response = code_step(client, "not-a-code")
    assert response.status_code == 403 and LOCKED_TEXT in response.content.decode()
    # Signed out, and the right password and code are refused now.
    assert "_auth_user_id" not in client.session
    again = Client()
    assert password_step(again, practitioner.username).status_code == 403
    call_command("unlock_account", practitioner.username)
    again = Client()
    password_step(again, practitioner.username)
    assert code_step(again, totp_code(second_factor(practitioner))).status_code == 302


def test_failures_are_reset_only_by_both_factors(practitioner):
    """A right password between wrong codes does not start the count again."""
    wrong = "000000" if totp_code(second_factor(practitioner)) != "000000" else "111111"
    for _ in range(2):
        client = Client()
        password_step(client, practitioner.username)
        code_step(client, wrong)
        code_step(client, wrong)
    client = Client()
    password_step(client, practitioner.username)
    assert code_step(client, wrong).status_code == 403


# --- sessions -------------------------------------------------------------------------------------


def test_an_idle_session_ends_with_a_message(practitioner, settings):
    client = Client()
    sign_in_verified(client, practitioner)
    assert client.get("/search/").status_code == 200
    # Idle for longer than the time-out: the session's expiry has passed.
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get("/search/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "You were signed out after 15 minutes without activity" in response.content.decode()
    assert settings.SESSION_COOKIE_AGE == settings.FAMILYHUB_IDLE_MINUTES * 60 == 15 * 60


def test_the_idle_message_follows_the_setting(practitioner, settings):
    settings.FAMILYHUB_IDLE_MINUTES = 30
    client = Client()
    sign_in_verified(client, practitioner)
    Session.objects.all().delete()
    response = client.get("/", follow=True)
    assert "signed out after 30 minutes without activity" in response.content.decode()


def test_signing_out_shows_no_idle_message(practitioner):
    client = Client()
    sign_in_verified(client, practitioner)
    response = client.post(reverse("logout"), follow=True)
    assert "without activity" not in response.content.decode()
    assert kinds(practitioner)[-1] == Kind.SIGNED_OUT


def test_sign_out_everywhere_ends_every_session(practitioner):
    laptop, phone = Client(), Client()
    sign_in_verified(laptop, practitioner)
    sign_in_verified(phone, practitioner)
    assert phone.get("/search/").status_code == 200
    response = laptop.post(reverse("logout_everywhere"), follow=True)
    assert "signed out on every device" in response.content.decode()
    response = phone.get("/search/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("login"))
    assert "signed out everywhere" in response.content.decode()
    assert phone.get("/search/")["Location"].startswith(reverse("login"))
    # Signing in again works.
    sign_in_verified(phone, practitioner)
    assert phone.get("/search/").status_code == 200
    assert Kind.SIGNED_OUT_EVERYWHERE in kinds(practitioner)


def test_the_account_page_shows_roles_devices_and_sign_ins(practitioner):
    client = Client()
    password_step(client, practitioner.username)
    code_step(client, totp_code(second_factor(practitioner)))
    html = client.get(reverse("account")).content.decode()
    assert "Practitioner" in html and "Test authenticator" in html
    assert "Second-factor code accepted" in html and "Password accepted" in html
    assert 'action="/sign-out/everywhere/"' in html


# --- administrators and commands --------------------------------------------------------------------


def test_reset_second_factor_sends_the_user_to_set_up_again(practitioner, personas):
    victim = Client()
    sign_in_verified(victim, practitioner)
    admin = Client()
    sign_in_verified(admin, personas.admin)
    response = admin.post(
        reverse("access:reset_second_factor"), {"username": practitioner.username}, follow=True
    )
    assert "authenticator and backup codes are removed" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
    assert victim.get("/search/")["Location"].startswith(reverse("login"))  # sessions ended
    client = Client()
    assert password_step(client, practitioner.username)["Location"].startswith(
        reverse("login_setup")
    )


def test_reset_2fa_command(practitioner):
    call_command("reset_2fa", practitioner.username)
    assert not TOTPDevice.objects.filter(user=practitioner).exists()
    with pytest.raises(CommandError):
        call_command("reset_2fa", "nobody-by-this-name")


def test_demo_code_prints_the_code_for_demo_accounts_only(db, settings, capsys):
    from familyhub.core.demo.organisations import ensure_demo_device
    from familyhub.core.testing import UserFactory

    demo_user = UserFactory(username="practitioner.demo")
    device = ensure_demo_device(demo_user)
    call_command("demo_code", "practitioner.demo")
    assert capsys.readouterr().out.strip() in {totp_code(device), totp_code(device, -1)}
    real = UserFactory(username="real.person")
    second_factor(real)
    with pytest.raises(CommandError, match="not a demo account"):
        call_command("demo_code", "real.person")
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production"):
        call_command("demo_code", "practitioner.demo")
    with pytest.raises(CommandError, match="production"):
        call_command("demo_setup", "--families", "0")


def test_the_demo_says_how_to_get_a_code(practitioner, settings):
    settings.DEMO = True
    client = Client()
    assert "demo-code practitioner" in client.get(reverse("login")).content.decode()
    password_step(client, practitioner.username)
    page = client.get(reverse("login_code")).content.decode()
    assert "This is a demo" in page and "demo-code practitioner" in page
