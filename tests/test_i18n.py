"""English translations are kept complete, and the compiled catalogues match the sources."""

from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = sorted(p for p in ROOT.glob("**/locale/en/LC_MESSAGES/django.po") if ".venv" not in p.parts)


@pytest.mark.parametrize("po_path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_english_catalogue_is_complete_and_compiled(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries()] + [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated in {po_path}: {untranslated[:10]}"
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} missing: run `python manage.py compilemessages_py`"
    compiled = {e.msgid: e.msgstr for e in polib.mofile(str(mo_path))}
    for entry in po.translated_entries():
        if not entry.msgid_plural:
            assert compiled.get(entry.msgid) == entry.msgstr, f"{mo_path} is stale: recompile"


def test_pages_switch_to_english(client, db):
    client.cookies["django_language"] = "en"
    page = client.get("/").content.decode()
    assert "Department duties" in page
    assert "部门职能查询" not in page
