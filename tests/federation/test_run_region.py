"""`make run-region` (scripts/run-region.sh): two demo members on one machine, 上海 (the coordinator, var/) and
江苏 (var/member-320000/), each its own SQLite file, joined into the region once (docs/operations.md §21.2).
The script's steps run here without the demo data and without the servers: joining needs neither."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "run-region.sh"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a person's shell: none of the platform's settings of the test run."""
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TONGBAN_", "DJANGO_", "DATABASE_", "REDIS_", "SECRET_KEY", "DEBUG"))
    }
    return {**keep, **extra}


def run(var: Path, step: str) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(SCRIPT), step],
        env=clean_env(TONGBAN_VAR_DIR=str(var)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{step}: {done.stdout}\n{done.stderr}"
    return done


def state(db: Path) -> dict:
    """What a member holds of the region: its trust lists and the login clients registered from them."""
    with sqlite3.connect(db) as conn:
        lists = [
            (region, version, sorted(m["code"] for m in json.loads(payload)["members"]), token)
            for region, version, payload, token in conn.execute(
                "SELECT region, version, payload, token FROM federation_trustlist ORDER BY version"
            )
        ]
        clients = sorted(row[0] for row in conn.execute("SELECT client_id FROM oauth2_provider_application"))
        anchors = conn.execute("SELECT count(*) FROM federation_trustanchor WHERE active").fetchone()[0]
    return {"lists": lists, "clients": clients, "anchors": anchors}


def test_the_two_members_are_joined_once_and_a_second_run_changes_nothing(tmp_path):
    var = tmp_path / "var"
    run(var, "migrate")
    sh_db, js_db = var / "tongban.sqlite3", var / "member-320000" / "tongban.sqlite3"

    first = run(var, "join")
    assert "trust list csj v1: 2 members" in first.stdout
    assert "trust list csj v1: accepted" in first.stdout
    sh, js = state(sh_db), state(js_db)
    assert [(r, v, codes) for r, v, codes, _token in sh["lists"]] == [("csj", 1, ["310000", "320000"])]
    assert js["lists"] == sh["lists"]  # the very list the coordinator signed
    # Each registered the other as a login client of its OIDC provider (cross-region login).
    assert "320000" in sh["clients"] and "310000" in js["clients"]
    assert js["anchors"] == 1

    second = run(var, "join")
    assert "trust list v1 (310000 上海, 320000 江苏) in force at both members" in second.stdout
    assert state(sh_db) == sh and state(js_db) == js


def test_a_deployment_names_its_cookies_so_that_two_on_one_host_keep_their_sessions(tmp_path):
    probe = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'tongban.settings';"
        "from django.conf import settings as s;"
        "print(json.dumps([s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME]))"
    )

    def names(**env: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", probe],
            env=clean_env(TONGBAN_VAR_DIR=str(tmp_path), **env),
            capture_output=True,
            text=True,
            check=True,
        )
        return json.loads(done.stdout)

    assert names() == ["sessionid", "csrftoken"]
    assert names(TONGBAN_SESSION_COOKIE_NAME="js_session", TONGBAN_CSRF_COOKIE_NAME="js_csrf") == [
        "js_session",
        "js_csrf",
    ]
