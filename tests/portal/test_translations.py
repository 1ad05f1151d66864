from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parents[2] / "src/tongban/locale/en/LC_MESSAGES"


def test_the_english_catalog_is_complete_and_compiled():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries()
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): e.msgstr for e in mo}  # a msgid may have several contexts
    assert all(compiled.get((e.msgctxt, e.msgid)) == e.msgstr for e in po.translated_entries()), (
        "run `make messages`"
    )
