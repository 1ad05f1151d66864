"""Fill English translations from a JSON object {msgid: msgstr} given on stdin, then recompile.

Usage: echo '{"中文": "English"}' | .venv/bin/python scripts/translate.py"""

import json
import subprocess
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[1] / "src/tongban/locale/en/LC_MESSAGES/django.po"


def main() -> int:
    translations = json.load(sys.stdin)
    po = polib.pofile(str(PO))
    for entry in po:
        if entry.msgid in translations:
            entry.msgstr = translations[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    po.save()
    return subprocess.call([sys.executable, str(Path(__file__).with_name("compile_messages.py"))])


if __name__ == "__main__":
    sys.exit(main())
