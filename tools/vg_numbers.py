"""Number exercises, equations and figures per chapter: Exercise 6.2, equation (3.4).

Sphinx numbers every enumerable thing (``numfig``) across the whole book, in
reading order, so chapter 2 had Exercises 4–6 and chapter 6 had 15–16. An
instructor wants to assign "exercise 6.2". After Sphinx has assigned its
numbers (``env.toc_fignumbers``, on ``env-get-updated``), this replaces each
number in a chapter with ``(chapter, k)``, where ``k`` counts that kind of
thing within the page in the same order. Every place that prints a number
(the exercise's title, "Solution to Exercise 6.2", ``{numref}`` and ``{eq}``
references from any page) reads it from there, so they all agree.

The chapter comes from the file name: ``chapters/06_dying_relu`` is 6,
``chapters/04b_vanishing_during_training`` is 4b. Pages that are not
numbered chapters keep the page-local count ``k`` alone.
"""

from __future__ import annotations

import re

CHAPTER = re.compile(r"(?:^|/)0*(\d+)([a-z]?)_[^/]*$")


def chapter_number(docname: str) -> str | None:
    """``"6"`` for ``chapters/06_dying_relu``, ``"4b"`` for ``chapters/04b_x``, else None."""
    m = CHAPTER.search(docname)
    return None if m is None else m.group(1) + m.group(2)


def per_chapter(numbers: dict) -> dict:
    """``{docname: {kind: {id: (n,)}}}`` with every page's numbers restarted per chapter."""
    out = {}
    for docname, kinds in numbers.items():
        prefix = chapter_number(docname)
        out[docname] = {}
        for kind, ids in kinds.items():
            order = sorted(ids, key=lambda i: tuple(ids[i]))
            out[docname][kind] = {
                i: ((prefix, k) if prefix is not None else (k,)) for k, i in enumerate(order, start=1)
            }
    return out


def _renumber(app, env):
    env.toc_fignumbers = per_chapter(env.toc_fignumbers)
    return []


def setup(app):
    # after Sphinx's TocTreeCollector (priority 500) has assigned the numbers
    app.connect("env-get-updated", _renumber, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
