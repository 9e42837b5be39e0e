"""The trail is a hash chain: verify_audit passes an intact chain and names the first bad row
of an edited, deleted, reordered, truncated or rewritten one."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction

from audit import chain, heads, services, verify
from audit.models import AuditEntry, AuditKind, ChainHead


def _fill(n=5, actor=None):
    return [services.append(kind=AuditKind.ADMIN_ACTION, actor=actor, summary=f"第{i}条", ip="10.0.0.7",
                            object_type="grid.unit", object_id=i, data={"i": i, "名": "值", "list": [1, "a", None]})
            for i in range(1, n + 1)]


def _verify(*args):
    call_command("verify_audit", *args)


def _broken(*args) -> str:
    with pytest.raises(CommandError) as exc:
        call_command("verify_audit", *args)
    return str(exc.value)


@pytest.mark.django_db
def test_rows_are_chained_gap_free_from_the_genesis():
    rows = _fill(3)
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == chain.GENESIS
    assert rows[1].prev_hash == rows[0].row_hash and rows[2].prev_hash == rows[1].row_hash
    head = ChainHead.objects.get()
    assert (head.seq, head.row_hash) == (3, rows[2].row_hash)


@pytest.mark.django_db
def test_the_hash_is_the_documented_canonical_json():
    row = _fill(1)[0]
    stored = AuditEntry.objects.get(seq=1)
    content = {
        "v": 1, "seq": 1, "at": stored.at.astimezone(chain.dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "kind": "admin_action", "actor_id": None, "actor": "", "ip": "10.0.0.7", "object_type": "grid.unit",
        "object_id": "1", "object_hash": "", "summary": "第1条", "data": {"i": 1, "名": "值", "list": [1, "a", None]},
        "prev": "0" * 64,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert chain.sha256_hex(text) == row.row_hash == stored.row_hash


@pytest.mark.django_db
def test_floats_are_refused_before_anything_is_written():
    with pytest.raises(chain.NotCanonical):
        services.append(kind=AuditKind.ADMIN_ACTION, summary="x", data={"amount": 1.5})
    assert not AuditEntry.objects.exists()


@pytest.mark.django_db
def test_intact_chain_verifies(capsys):
    _fill(5)
    _verify()
    assert "audit trail intact: 5 rows" in capsys.readouterr().out


@pytest.mark.django_db
def test_empty_trail_verifies():
    _verify()


@pytest.mark.django_db
def test_edited_row_is_named(tamper):
    _fill(5)
    tamper("UPDATE audit_auditentry SET summary = %s WHERE seq = 3", ["改过的"])
    message = _broken()
    assert "row 3" in message and "edited" in message


@pytest.mark.django_db
def test_deleted_row_is_named(tamper):
    _fill(5)
    tamper("DELETE FROM audit_auditentry WHERE seq = 2")
    message = _broken()
    assert "row 2 is missing" in message


@pytest.mark.django_db
def test_reordered_rows_are_named(tamper):
    _fill(5)
    tamper("UPDATE audit_auditentry SET seq = -2 WHERE seq = 2")
    tamper("UPDATE audit_auditentry SET seq = 2 WHERE seq = 4")
    tamper("UPDATE audit_auditentry SET seq = 4 WHERE seq = -2")
    message = _broken()
    assert "row 2" in message


@pytest.mark.django_db
def test_cut_off_tail_is_named_from_the_chain_head(tamper):
    _fill(5)
    tamper("DELETE FROM audit_auditentry WHERE seq >= 4")
    message = _broken()
    assert "rows 4–5 are missing" in message


@pytest.mark.django_db
def test_rewritten_chain_is_caught_by_an_earlier_signed_head(tamper, settings, tmp_path):
    """Someone edits row 2 and re-hashes every row after it (and the chain head): the chain
    is self-consistent again, but no longer matches the head file signed the day before."""
    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(5)
    path, head = heads.write_head()
    assert head.seq == 5
    _verify("--head", str(path))
    rows = list(AuditEntry.objects.order_by("seq").values())
    prev = chain.GENESIS
    for row in rows:
        if row["seq"] == 2:
            row["summary"] = "改写"
        row_hash = chain.row_hash(seq=row["seq"], at=row["at"], kind=row["kind"], actor_id=row["actor_id"],
                                  actor=row["actor_name"], ip=row["ip"], object_type=row["object_type"],
                                  object_id=row["object_id"], object_hash=row["object_hash"],
                                  summary=row["summary"], data=row["data"], prev=prev)
        tamper("UPDATE audit_auditentry SET summary = %s, prev_hash = %s, row_hash = %s WHERE seq = %s",
               [row["summary"], prev, row_hash, row["seq"]])
        prev = row_hash
    ChainHead.objects.filter(pk=1).update(row_hash=prev)
    _verify()  # without the head file the rewrite is consistent …
    message = _broken("--head", str(path))  # … the signed head catches it
    assert "row 5" in message and "signed head" in message


@pytest.mark.django_db
def test_head_file_with_a_changed_number_is_refused(settings, tmp_path):
    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(2)
    path, _head = heads.write_head()
    doc = json.loads(path.read_text())
    doc["seq"] = 1
    path.write_text(json.dumps(doc))
    assert "signature does not match" in _broken("--head", str(path))


@pytest.mark.django_db
def test_head_file_signed_with_another_key_is_refused(settings, tmp_path):
    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(2)
    path, _head = heads.write_head()
    settings.AUDIT_HMAC_KEY = "another-key-another-key-another-key"
    assert "signature does not match" in _broken("--head", str(path))


@pytest.mark.django_db
def test_head_file_catches_rows_deleted_with_the_chain_head(tamper, settings, tmp_path):
    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(4)
    path, _head = heads.write_head()
    tamper("DELETE FROM audit_auditentry WHERE seq = 4")
    ChainHead.objects.filter(pk=1).update(seq=3, row_hash=AuditEntry.objects.get(seq=3).row_hash)
    _verify()
    assert "rows 4–4 are missing" in _broken("--head", str(path))


@pytest.mark.django_db
def test_daily_head_command_and_task_write_a_signed_file(settings, tmp_path, capsys):
    from audit.tasks import write_daily_head

    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(3)
    call_command("write_audit_head")
    files = list(tmp_path.glob("*.json"))
    assert len(files) == 1 and files[0].name.count("-") == 2
    assert heads.read_head(files[0]).seq == 3
    _fill(1)
    write_daily_head.delay()
    assert heads.read_head(files[0]).seq == 4


@pytest.mark.django_db
def test_a_head_file_is_never_replaced_by_an_earlier_head(settings, tmp_path):
    settings.AUDIT_HEAD_DIR = str(tmp_path)
    _fill(3)
    path, _ = heads.write_head()
    ChainHead.objects.filter(pk=1).update(seq=1)
    heads.write_head()
    assert heads.read_head(path).seq == 3


@pytest.mark.django_db
def test_verify_walks_in_chunks_and_still_finds_the_bad_row(tamper):
    _fill(25)
    tamper("UPDATE audit_auditentry SET ip = %s WHERE seq = 17", ["10.0.0.8"])
    report = verify.walk(chunk_size=4)
    assert (report.bad_seq, report.rows) == (17, 16)


@pytest.mark.django_db
def test_the_orm_refuses_update_and_delete():
    row = _fill(1)[0]
    with pytest.raises(TypeError):
        AuditEntry.objects.filter(seq=1).update(summary="x")
    with pytest.raises(TypeError):
        AuditEntry.objects.all().delete()
    with pytest.raises(TypeError):
        row.delete()
    row.summary = "x"
    with pytest.raises(TypeError):
        row.save()


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the trigger exists on PostgreSQL only")
def test_postgresql_trigger_refuses_update_and_delete_from_raw_sql():
    _fill(2)
    for sql in ("UPDATE audit_auditentry SET summary = 'x' WHERE seq = 1", "DELETE FROM audit_auditentry"):
        with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            c.execute(sql)
    assert AuditEntry.objects.count() == 2
    assert AuditEntry.objects.get(seq=1).summary == "第1条"


def test_the_verifiers_fast_serialisation_is_the_canonical_one():
    """chain.row_hash_from_text writes the canonical JSON key by key: it must give the same
    hash as the reference serialisation for any content (escapes, non-ASCII, nulls)."""
    import datetime as dt
    import random

    rnd = random.Random(12)
    alphabet = 'ab"\\\n\t\x01\x7fé中\u2028/<>{}:, '

    def text():
        return "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 10)))

    for _ in range(3000):
        at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=rnd.randint(0, 10**13))
        fields = dict(seq=rnd.randint(1, 10**12), kind=text(), actor_id=rnd.choice([None, rnd.randint(0, 10**9)]),
                      actor=text(), ip=text(), object_type=text(), object_id=text(), object_hash=text(),
                      summary=text(), data={text(): [text(), rnd.randint(-5, 5), None, True, {text(): text()}]},
                      prev=text())
        assert chain.row_hash_from_text(at_text=chain.format_time(at), **fields) == chain.row_hash(at=at, **fields)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="parallel segments run on PostgreSQL")
@pytest.mark.parametrize("workers", [2, 3])
def test_parallel_verification_by_segments_checks_what_one_walk_checks(tamper, workers):
    _fill(60)
    report = verify.walk(chunk_size=5, workers=workers)
    assert report.ok and report.rows == 60 and report.last_seq == 60
    # an edit deep in a later segment
    tamper("UPDATE audit_auditentry SET summary = %s WHERE seq = 47", ["改过"])
    report = verify.walk(chunk_size=5, workers=workers)
    assert report.bad_seq == 47 and "edited" in report.problem
    # a row deleted at a segment boundary is still caught (by the segment after it)
    tamper("DELETE FROM audit_auditentry WHERE seq >= 20 AND seq <= 21")
    report = verify.walk(chunk_size=5, workers=workers)
    assert report.bad_seq == 20 and "missing" in report.problem
