import pytest
from django.test import Client

from tests.conftest import PASSWORD, make_id_number, make_phone, send_sms_code


class EveryoneMatches:
    calls = []

    def match(self, *, id_number, real_name):
        self.calls.append(real_name)
        return True


@pytest.mark.django_db
def test_a_real_register_connector_replaces_the_table(settings):
    settings.TONGBAN_POPULATION_REGISTER = "tests.accounts.test_register_connector.EveryoneMatches"
    client = Client()
    phone = make_phone()
    code = send_sms_code(client, phone)
    payload = {
        "real_name": "周连接",
        "id_number": make_id_number(),
        "phone": phone,
        "password": PASSWORD,
        "sms_code": code,
    }
    response = client.post("/api/register/person", payload, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["assurance_level"] == 2
    assert EveryoneMatches.calls == ["周连接"]
