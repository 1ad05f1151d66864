"""The `tongban` console command (in-process, on the test database)."""

import json

import pytest

from tongban.cli import main
from tongban.core.models import WorkCalendarDay

pytestmark = pytest.mark.django_db


def test_demo_refuses_outside_demo_mode(settings, capsys):
    settings.DEMO = False
    assert main(["demo"]) == 2
    assert "TONGBAN_DEMO=1" in capsys.readouterr().out


def test_calendar_commands_enter_a_notice_and_report_status(tmp_path, capsys):
    notice = {
        "year": 2030,
        "source_notice": "国务院办公厅关于2030年部分节假日安排的通知",
        "holidays": {"2030-01-01": "元旦"},
        "makeup_workdays": ["2030-01-05"],
    }
    path = tmp_path / "notice.json"
    path.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")
    assert main(["calendar", "notice", str(path)]) == 0
    assert WorkCalendarDay.objects.get(date="2030-01-05").kind == "makeup_workday"
    assert main(["calendar", "seed", "2099"]) == 1
    path.write_text('{"year": 2030}', encoding="utf-8")
    assert main(["calendar", "notice", str(path)]) == 1
    assert "bad notice file" in capsys.readouterr().out


def test_a_malformed_notice_file_is_reported_not_crashed(tmp_path, capsys):
    path = tmp_path / "notice.json"
    path.write_text("{not json", encoding="utf-8")
    assert main(["calendar", "notice", str(path)]) == 1
    assert main(["calendar", "notice", str(tmp_path / "missing.json")]) == 1
    assert capsys.readouterr().out.count("bad notice file") == 2
