"""The 亮证 pages as a hotel's front desk and a holder meet them (issue 15): a wrong verifier key has its own
message; the device stays signed in as the verifier (the session keeps the verifier, never the key) until
忘记密钥, logout or a changed key; technical details sit behind a <details>; the countdown on the QR page is
one sentence, drawn by the server in the words the script updates it with."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import csrf_headers, login_client
from tests.licences.test_show_verify import shown
from tongban.licences.constants import Scene, VerifierKind
from tongban.licences.models import LicenceUse, Verifier
from tongban.licences.verifiers import SESSION_VERIFIER, verifier_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def hotel(lib):
    return verifier_create(
        actor=None, name="锦江之星（南京东路店）", kind=VerifierKind.HOTEL, scenes=[Scene.HOTEL]
    )


def post_verify(desk: Client, token: str, key: str = ""):
    data = {"token": token, "cause": "旅馆住宿登记", **({"verifier_key": key} if key else {})}
    desk.get("/verify/")
    return desk.post("/verify/", data, **csrf_headers(desk))


def test_a_wrong_key_has_its_own_message(lib, issue, hotel):
    token = shown(login_client(lib["holder"].user), issue())
    answer = post_verify(Client(), token, key="tbv_0123456789abcdef_wrong")
    page = answer.content.decode()
    assert answer.status_code == 401 and "用证单位接口密钥不正确" in page
    assert "请先登录，或填写" not in page and 'aria-invalid="true"' in page
    # A sentence, never the machine code (support reads the request id in the logs).
    assert "verifier_key_invalid" not in page
    assert not LicenceUse.objects.exists()


def test_the_device_stays_signed_in_as_the_verifier_until_it_forgets(lib, issue, hotel):
    verifier, key = hotel
    licence = issue()
    holder = login_client(lib["holder"].user)
    desk = Client(enforce_csrf_checks=True)
    first = post_verify(desk, shown(holder, licence), key=key)
    assert first.status_code == 200 and "核验通过" in first.content.decode()
    # The session keeps who the verifier is, never the key; the cookie is only the session's id.
    assert desk.session[SESSION_VERIFIER]["uuid"] == str(verifier.uuid)
    assert key not in str(dict(desk.session)) and key.split("_", 2)[2] not in str(dict(desk.session))
    assert all(key.split("_", 2)[2] not in morsel.value for morsel in desk.cookies.values())
    page = desk.get("/verify/").content.decode()
    assert 'id="verifier_key"' not in page and "锦江之星（南京东路店）" in page and "忘记密钥" in page

    # The next guest: no key typed.
    second = post_verify(desk, shown(holder, licence))
    assert second.status_code == 200 and "核验通过" in second.content.decode()
    assert LicenceUse.objects.filter(user_label="锦江之星（南京东路店）").count() == 2

    # Forgetting needs the page's CSRF token; then the key is asked for again.
    assert desk.post("/verify/forget/").status_code == 403
    desk.post("/verify/forget/", **csrf_headers(desk))
    assert SESSION_VERIFIER not in desk.session
    third = post_verify(desk, shown(holder, licence))
    assert third.status_code == 401 and 'id="verifier_key"' in third.content.decode()


def test_a_changed_key_or_a_verifier_switched_off_ends_the_devices_session(lib, issue, hotel):
    verifier, key = hotel
    licence = issue()
    holder = login_client(lib["holder"].user)
    desk = Client()
    assert post_verify(desk, shown(holder, licence), key=key).status_code == 200
    Verifier.objects.filter(pk=verifier.pk).update(secret_hash="0" * 64)
    assert post_verify(desk, shown(holder, licence)).status_code == 401
    assert SESSION_VERIFIER not in desk.session


def test_the_result_keeps_technical_details_behind_a_toggle(lib, issue, hotel):
    licence = issue()
    page = post_verify(Client(), shown(login_client(lib["holder"].user), licence), key=hotel[1])
    html = page.content.decode()
    details = html.split('<details class="tech-details">', 1)
    assert len(details) == 2 and licence.identifier in details[1] and licence.identifier not in details[0]


def countdown(html: str) -> tuple[str, str]:
    match = re.search(r'data-label-left="([^"]*)">([^<]*)</span>', html)
    assert match, html
    return match.group(1), match.group(2)


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("zh-hans", r"本码 (\d+) 秒内有效，会自动刷新"),
        ("en", r"This code is valid for (\d+) more seconds and refreshes itself"),
    ],
)
def test_the_countdown_is_one_sentence_drawn_and_updated_alike(lib, issue, language, sentence):
    holder = login_client(lib["holder"].user)
    holder.cookies["tongban_language"] = language
    licence = issue()
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        template, drawn = countdown(
            holder.get(f"/licences/{licence.uuid}/show/?scene=hotel", **headers).content.decode()
        )
        seconds = re.fullmatch(sentence, drawn)
        assert seconds and 50 <= int(seconds.group(1)) <= 60, drawn
        assert template.replace("%s", seconds.group(1)) == drawn  # app.js writes the same words


def test_a_verification_reads_the_same_on_the_licence_page_and_in_who_used_my_information(lib, issue, hotel):
    from tests.cases.test_data_uses import data_uses

    licence = issue()
    holder = login_client(lib["holder"].user)
    post_verify(Client(), shown(holder, licence), key=hotel[1])
    on_licence = data_uses(holder.get(f"/licences/{licence.uuid}/").content.decode())
    on_me = data_uses(holder.get("/accounts/me/").content.decode())
    assert len(on_licence) == 1 and on_licence[0] in on_me
    said = on_licence[0]
    assert said.startswith("锦江之星（南京东路店）") and "亮证核验" in said and "用途：旅馆住宿登记" in said
