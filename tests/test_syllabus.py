"""The syllabus budgets each chapter's hours from its measured length (tools/reading_time.py)."""

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import reading_time  # noqa: E402

ROW = re.compile(r"^\| \[[^\]]+\]\(chapters/([^)]+)\.ipynb\) \|.*\| ([\d.]+) h \|$", re.M)


def syllabus_hours():
    return {name: float(h) for name, h in ROW.findall((ROOT / "syllabus.md").read_text(encoding="utf-8"))}


def test_every_chapter_has_a_row_with_its_measured_hours():
    stated = syllabus_hours()
    measured = {p.stem: reading_time.hours(reading_time.measure(p)) for p in reading_time.chapters()}
    assert set(stated) == set(measured), "the syllabus and chapters/ list different chapters"
    wrong = {k: (stated[k], measured[k]) for k in measured if stated[k] != measured[k]}
    assert not wrong, f"syllabus hours differ from tools/reading_time.py (stated, measured): {wrong}"


def test_schedule_sessions_add_up():
    """Each session row of the schedule states its hours; they must be the sum of its chapters'."""
    text = (ROOT / "syllabus.md").read_text(encoding="utf-8")
    hours = syllabus_hours()
    by_number = {re.match(r"0*(\d+[a-z]?)_", k).group(1): v for k, v in hours.items()}
    sessions = re.findall(r"(chapters?) ([\dab, and]+?) \(([\d.]+) h\)", text)
    assert sessions, "no session with its hours found in the schedule"
    for _, chapters, total in sessions:
        numbers = re.findall(r"\d+[ab]?", chapters)
        assert sum(by_number[n] for n in numbers) == float(total), (chapters, total)
