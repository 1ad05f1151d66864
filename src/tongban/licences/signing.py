"""Signing the licences an import left unsigned, in batches, with each issuing department's key (the task
``licences_sign_imported`` and ``tongban licences sign`` run it)."""

from __future__ import annotations

import uuid

from django.db import connection, transaction
from django.db.models import Max

from tongban.accounts.facade import organisations_by_uscc
from tongban.core.audit import audit_record
from tongban.licences.keys import issuer_key, sign_licence
from tongban.licences.locks import lock_unsigned_batch
from tongban.licences.models import Licence
from tongban.licences.status_lists import new_status_indices

SIGN_BATCH = 2000
SIGN_WINDOW = 50_000  # primary-key span read per query


def licences_sign_unsigned(*, batch_size: int = SIGN_BATCH, limit: int | None = None) -> dict:
    """Sign licences that have no signature (imported ones), in batches of one transaction each, with the
    active key of the issuing department: the licence's ``issuer_uuid``, else the one department whose USCC
    is the issuer code (then recorded as the issuer). A licence whose issuer is not known, or not among the
    departments its type names as issuers, is left unsigned and counted. Rows being written by an import are
    skipped (and signed by the next run)."""
    signed = no_issuer = not_an_issuer = 0
    departments: dict[str, object] = {}  # issuer code → OrganisationInfo | None
    keys: dict[str, object] = {}  # department uuid → IssuerKey
    last_id = 0
    # Walk the primary key in windows: the plan stays an index range scan whatever the statistics say.
    max_id = Licence.objects.aggregate(top=Max("id"))["top"] or 0
    while last_id < max_id and (limit is None or signed + no_issuer + not_an_issuer < limit):
        size = batch_size if limit is None else min(batch_size, limit - signed - no_issuer - not_an_issuer)
        with transaction.atomic():
            batch = lock_unsigned_batch(after_id=last_id, window=SIGN_WINDOW, size=size)
            last_id = batch[-1].id if len(batch) == size else last_id + SIGN_WINDOW
            if not batch:
                continue
            codes = {lic.issuer_code for lic in batch if lic.issuer_uuid is None} - departments.keys()
            if codes:
                found = organisations_by_uscc(codes, kind="department")
                for code in codes:
                    infos = found.get(code) or []
                    departments[code] = infos[0] if len(infos) == 1 else None
            done = []
            for licence in batch:
                if licence.issuer_uuid is not None:
                    dept_uuid, dept_name, dept_code = (
                        str(licence.issuer_uuid),
                        licence.issuer_name,
                        licence.issuer_code,
                    )
                else:
                    info = departments.get(licence.issuer_code)
                    if info is None:
                        no_issuer += 1
                        continue
                    dept_uuid, dept_name, dept_code = info.uuid, info.name, info.uscc
                allowed = licence.type.issuer_department_uuids
                if allowed and dept_uuid not in allowed:
                    not_an_issuer += 1
                    continue
                key = keys.get(dept_uuid)
                if key is None:
                    key = keys[dept_uuid] = issuer_key(dept_uuid, dept_name, dept_code)
                licence.issuer_uuid = dept_uuid
                sign_licence(licence, key)
                done.append(licence)
            if done:
                # An imported licence gets its random place in the Token Status Lists as it is signed.
                indices = iter(new_status_indices(sum(x.status_index is None for x in done)))
                for x in done:
                    if x.status_index is None:
                        x.status_index = next(indices)
                prep = Licence._meta.get_field("issuer_uuid").get_db_prep_value
                with connection.cursor() as cursor:
                    cursor.executemany(
                        f"UPDATE {Licence._meta.db_table} SET issuer_uuid = %s, kid = %s, signature = %s, "  # noqa: S608
                        "status_index = %s WHERE id = %s",
                        [
                            (
                                prep(uuid.UUID(str(x.issuer_uuid)), connection),
                                x.kid,
                                x.signature,
                                x.status_index,
                                x.id,
                            )
                            for x in done
                        ],
                    )
            signed += len(done)
    result = {"signed": signed, "no_issuer": no_issuer, "not_an_issuer": not_an_issuer}
    if signed or no_issuer or not_an_issuer:
        audit_record(actor=None, action="licence.sign_imported", object_type="licence", after=result)
    return result
