"""Estimate each chapter's study time from its length, for the syllabus.

    python tools/reading_time.py          # a table: words, code cells, exercises, hours
    python tools/reading_time.py --update-syllabus   # write the hours into syllabus.md

The estimate is a rule, stated here so that an instructor can change it:
technical prose with maths is read at about 100 words a minute; each visible
code cell (not one whose code the website hides) takes a minute to read and run; each exercise takes 15 minutes.
The total is rounded to the nearest half hour. ``tests/test_syllabus.py``
checks that the syllabus states these hours, so they follow the chapters.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 100
MINUTES_PER_CODE_CELL = 1
MINUTES_PER_EXERCISE = 15


def measure(path: Path) -> dict:
    """Words of prose, visible code cells and exercises of one notebook."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    words = code = exercises = 0
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown":
            words += len(re.findall(r"[A-Za-z][A-Za-z'’-]*", re.sub(r"\{eval\}`[^`]*`", " 0 ", text)))
            exercises += len(re.findall(r"^:::\{exercise\}", text, flags=re.M))
        elif cell["cell_type"] == "code" and not {"remove-cell", "hide-input"} & set(tags):
            code += 1  # a visible code cell (hidden plumbing is not read)
    return {"words": words, "code": code, "exercises": exercises}


def hours(m: dict) -> float:
    minutes = (m["words"] / WORDS_PER_MINUTE + m["code"] * MINUTES_PER_CODE_CELL
               + m["exercises"] * MINUTES_PER_EXERCISE)
    return max(0.5, round(minutes / 30) / 2)


def chapters() -> list[Path]:
    return sorted(p for p in (ROOT / "chapters").glob("[0-9]*.ipynb"))


def update_syllabus(path: Path = ROOT / "syllabus.md") -> None:
    """Write each chapter's hours into its row, and each session's total, in the syllabus."""
    measured = {p.stem: hours(measure(p)) for p in chapters()}
    number = {re.match(r"0*(\d+[a-z]?)_", k).group(1): v for k, v in measured.items()}
    text = path.read_text(encoding="utf-8")

    def row(m):
        return f"{m.group(1)}{measured[m.group(2)]:g} h |"

    text = re.sub(r"^(\| \[[^\]]+\]\(chapters/([^)]+)\.ipynb\) \|.*\| )[\d.]+ h \|$", row, text, flags=re.M)

    def session(m):
        total = sum(number[n] for n in re.findall(r"\d+[ab]?", m.group(2)))
        return f"{m.group(1)} {m.group(2)} ({total:g} h)"

    text = re.sub(r"(chapters?) ([\dab, and]+?) \(([\d.]+) h\)", session, text)
    path.write_text(text, encoding="utf-8")


def main() -> int:
    if "--update-syllabus" in sys.argv[1:]:
        update_syllabus()
        return 0
    print(f"{'chapter':44s} {'words':>6s} {'code':>5s} {'ex.':>4s} {'hours':>6s}")
    for p in chapters():
        m = measure(p)
        print(f"{p.stem:44s} {m['words']:6d} {m['code']:5d} {m['exercises']:4d} {hours(m):6.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
