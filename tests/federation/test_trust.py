"""The trust list: accepted only when signed by an anchor, of this region and newer; keys rotate without a
moment in which a partner's messages are refused (docs/domain/federation.md §2)."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tongban.federation import keys, trust
from tongban.federation.constants import TRUST_LIST_TYP, KeyPurpose, KeyState
from tongban.federation.models import OwnKey, TrustAnchor, TrustList

PUSH = "/api/federation/trust-list"


def push(client, token):
    return client.post(PUSH, {"trust_list": token}, content_type="application/json")


def _sign_with(private, kid, payload):
    return keys.sign_compact(private, {"alg": "ES256", "typ": TRUST_LIST_TYP, "kid": kid}, payload)


def test_an_older_version_the_same_version_changed_and_a_list_of_another_region_are_refused(
    client, region, partner
):
    v2 = trust.trust_list_sign(region="csj", name="长三角", remove=["320000"])
    assert v2.version == 2 and "320000" not in trust.current().members
    answer = push(client, region.token)  # version 1 again: outdated
    assert answer.status_code == 409 and answer.json()["code"] == "trust_list_outdated"
    assert push(client, v2.token).json() == {"version": 2, "accepted": False}  # the one in force: no change

    signer = OwnKey.objects.get(purpose=KeyPurpose.TRUST_LIST, state=KeyState.ACTIVE)
    twin = {**v2.payload, "name": "另一个"}
    answer = push(client, _sign_with(keys.private_of(signer), signer.kid, twin))
    assert answer.status_code == 409 and answer.json()["code"] == "trust_list_conflict"
    other = {**v2.payload, "version": 3, "region": "jjj"}
    answer = push(client, _sign_with(keys.private_of(signer), signer.kid, other))
    assert answer.status_code == 409 and answer.json()["code"] == "trust_list_region_mismatch"
    assert TrustList.objects.count() == 2 and trust.current().version == 2


def test_a_list_not_signed_by_an_anchor_is_refused(client, region):
    stranger = ec.generate_private_key(ec.SECP256R1())
    payload = {**region.payload, "version": 9}
    answer = push(client, _sign_with(stranger, "not-an-anchor", payload))
    assert answer.status_code == 403 and answer.json()["code"] == "trust_list_signature_invalid"
    signer = OwnKey.objects.get(purpose=KeyPurpose.TRUST_LIST, state=KeyState.ACTIVE)
    answer = push(client, _sign_with(stranger, signer.kid, payload))  # an anchor's kid, another key
    assert answer.status_code == 403 and answer.json()["code"] == "trust_list_signature_invalid"
    assert push(client, "garbage").json()["code"] == "trust_list_invalid"
    assert trust.current().version == 1


def test_the_coordinator_key_rotates_through_the_list_itself(region, partner):
    old = OwnKey.objects.get(purpose=KeyPurpose.TRUST_LIST, state=KeyState.ACTIVE)
    upcoming = keys.next_key(KeyPurpose.TRUST_LIST)
    v2 = trust.trust_list_sign(region="csj", name="长三角")  # signed by the old key, names both
    assert [jwk["kid"] for jwk in v2.payload["signers"]] == [old.kid, upcoming.kid]
    assert keys.read_header(v2.token)["kid"] == old.kid
    assert OwnKey.objects.get(pk=upcoming.pk).state == KeyState.ACTIVE  # promoted on acceptance
    v3 = trust.trust_list_sign(region="csj", name="长三角")  # signed by the new key, names it alone
    assert keys.read_header(v3.token)["kid"] == upcoming.kid
    assert [jwk["kid"] for jwk in v3.payload["signers"]] == [upcoming.kid]
    assert not TrustAnchor.objects.get(kid=old.kid).active  # the old key signs nothing more


def test_a_partner_rotates_its_key_without_a_refused_message(
    client, region, partner, django_capture_on_commit_callbacks
):
    new_private = ec.generate_private_key(ec.SECP256R1())
    new_kid = "msg-320000-2"
    partner.extra_keys = [keys.public_jwk(new_private.public_key(), new_kid)]
    # The partner's new descriptor, signed by its listed (old) key, names both keys.
    trust.trust_list_sign(region="csj", name="长三角", add=[partner.descriptor()])
    assert (
        client.post(
            "/api/federation/messages", {"message": partner.message()}, content_type="application/json"
        ).status_code
        == 200
    )  # old key still good
    partner.private, partner.kid = new_private, new_kid
    assert (
        client.post(
            "/api/federation/messages", {"message": partner.message()}, content_type="application/json"
        ).status_code
        == 200
    )  # new key good too


def test_a_descriptor_replacing_a_members_keys_must_be_signed_by_a_key_it_has(region, partner):
    from tongban.federation.errors import BadDescriptor

    impostor = ec.generate_private_key(ec.SECP256R1())
    partner_twin = type(partner)(code=partner.code, private=impostor, kid="msg-320000-evil")
    with pytest.raises(BadDescriptor):
        trust.trust_list_sign(region="csj", name="长三角", add=[partner_twin.descriptor()])
    assert trust.current().version == 1
    assert trust.current().member("320000").keys["messaging"][0]["kid"] == partner.kid


def test_this_members_next_key_is_used_once_the_list_names_it(region):
    active = keys.active_key()
    upcoming = keys.next_key()
    assert keys.read_header(keys.sign({"a": 1}, typ="x"))["kid"] == active.kid  # not yet
    trust.trust_list_sign(region="csj", name="长三角")  # the coordinator's own descriptor names both
    assert keys.read_header(keys.sign({"a": 1}, typ="x"))["kid"] == upcoming.kid
    assert OwnKey.objects.get(pk=active.pk).state == KeyState.RETIRED
