"""Regenerate and compile Tongban's translation catalogs (English).

1. Runs ``django-admin makemessages -l en --ignore "migrations/*"`` from ``src/tongban`` so the .po file
   picks up new and changed source strings (needs GNU gettext's xgettext and msgmerge).
2. Compiles every ``locale/*/LC_MESSAGES/django.po`` to ``django.mo`` with polib, so GNU msgfmt is not
   needed for compiling.
3. Prints how many entries are untranslated or fuzzy and exits 1 if there are any, so a developer
   notices strings that still show up in Chinese.

Usage: ``.venv/bin/python scripts/compile_messages.py`` (or ``make messages``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polib

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_DIR = REPO_ROOT / "src" / "tongban"
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ["en"]
# Catalogs written by hand, compiled but not extracted: Chinese for libraries' English texts (zh_Hans).
HAND_WRITTEN = ["zh_Hans"]


def make_messages() -> None:
    """Extract source strings into the .po catalogs, merging with the existing translations."""
    env = dict(os.environ)
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    python_path = [str(REPO_ROOT), str(REPO_ROOT / "src")]
    if env.get("PYTHONPATH"):
        python_path.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(python_path)
    command = [sys.executable, "-m", "django", "makemessages", "--ignore", "migrations/*"]
    for language in LANGUAGES:
        command += ["-l", language]
    subprocess.run(command, cwd=PACKAGE_DIR, env=env, check=True)


def compile_catalog(po_path: Path) -> int:
    """Compile one .po file to .mo; return how many entries need attention (untranslated or fuzzy)."""
    catalog = polib.pofile(str(po_path))
    untranslated = catalog.untranslated_entries()
    fuzzy = catalog.fuzzy_entries()
    mo_path = po_path.with_suffix(".mo")
    catalog.save_as_mofile(str(mo_path))
    total = len([entry for entry in catalog if not entry.obsolete])
    print(
        f"{po_path.relative_to(REPO_ROOT)}: {total} entries, {len(catalog.translated_entries())} translated, "
        f"{len(untranslated)} untranslated, {len(fuzzy)} fuzzy -> {mo_path.relative_to(REPO_ROOT)}"
    )
    for entry in untranslated:
        print(f"  untranslated: {entry.msgid!r}")
    for entry in fuzzy:
        print(f"  fuzzy: {entry.msgid!r}")
    return len(untranslated) + len(fuzzy)


def main() -> int:
    make_messages()
    problems = 0
    for language in LANGUAGES + HAND_WRITTEN:
        po_path = LOCALE_DIR / language / "LC_MESSAGES" / "django.po"
        problems += compile_catalog(po_path)
    if problems:
        print(f"{problems} entries are untranslated or fuzzy: translate them and run this script again.")
        return 1
    print("All entries are translated.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
