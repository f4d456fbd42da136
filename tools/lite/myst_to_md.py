"""MyST Markdown cells rewritten as the plain Markdown that JupyterLite shows.

The JupyterLite edition's JupyterLab renders plain Markdown (with MathJax for
``$...$`` and ``$$...$$``) and some HTML, not MyST: jupyterlab-myst does not
fit its JupyterLab. Copied as they are, the chapters would show the reader
``{eval}`glued("ch05_x", ".2f")``` roles instead of numbers, and exercise,
solution and note directives as raw fenced text. ``tools/lite/build.py``
passes each chapter through :func:`convert_notebook`, which rewrites every
Markdown cell (code cells are left as they are):

* ``{eval}`glued("key", "spec")``` becomes the text the website shows: the
  value the book's executed copy of the chapter glued under ``key``
  (``_build/jupyter_execute/chapters/<name>.glue.json``, or a ``make page``
  build's), formatted as ``tools/vg_site.py`` formats it. An executed copy
  whose Markdown cells carry ``user_expressions`` (myst-nb's inline
  evaluation) is read too, by cell id. Without a value the expression stays
  as inline code, which the reader can run once the notebook has run.
* Exercises, notes and other admonitions become a ``<blockquote>`` with a
  bold title; solutions a ``<details>`` box (a gated solution's code cells
  follow it, as on the website).
* Citations read "Glorot et al. [2010]" / "[Dugas et al., 2001]" (from
  ``references.bib``), ``{eq}`` "(5.1)", ``{numref}`` "Fig. 5.4", ``{ref}``
  "Exercise 2.1" or the heading's text: numbered per chapter as
  ``tools/vg_numbers.py`` numbers the website. Labelled equations get their
  number as a ``\\tag``; ``(label)=`` lines go.
* ``{math}`` directives become ``$$...$$``; figures a Markdown image when
  the file is in the edition, else their caption.

Nothing here imports Jupyter or Sphinx: notebooks are plain JSON dicts.
"""

from __future__ import annotations

import ast
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

# ------------------------------------------------------------- numbers

def _vg_site():
    """The website's extension (``tools/vg_site.py``), whose reading of
    ``glued(...)`` expressions the edition shares."""
    import importlib.util
    import sys

    name = "vg_lite_vg_site"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, Path(__file__).resolve().parents[1] / "vg_site.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module
    return sys.modules[name]


def unquote(text: str) -> str:
    """A ``text/plain`` repr without its quotes: ``"'0.42'"`` -> ``0.42``."""
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return text
    return value if isinstance(value, str) else text


def format_glued(plain: str, spec: str) -> str:
    """What the website shows for ``glued(key, spec)`` when the glue data's
    ``text/plain`` is ``plain``: the value formatted as ``vglib.book.glued``
    formats it (``8e-09`` as ``8 × 10⁻⁹``)."""
    from vglib.book import _format  # the book's own number formatting

    try:
        value = ast.literal_eval(plain)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        value = plain
    return _format(value, spec)


def glued_args(expression: str) -> tuple[str, str] | None:
    """``'glued("k", ".2f")'`` -> ``("k", ".2f")``; None for anything else
    (``tools/vg_site.py``'s reading, which the website uses)."""
    try:
        return _vg_site().glued_args(expression)
    except ValueError:
        return None


# ------------------------------------------------- the executed copies

@dataclass
class Executed:
    """What the website's executed copy of one chapter computed."""

    path: Path
    glue: dict = field(default_factory=dict)        # key -> text/plain
    expressions: dict = field(default_factory=dict)  # cell id -> {expr: t}
    code_cells_differing: int = 0

    def value(self, cell_id, expression: str) -> str | None:
        text = self.expressions.get(cell_id, {}).get(expression)
        if text is not None:
            return unquote(text)
        args = glued_args(expression)
        if args is None or args[0] not in self.glue:
            return None
        try:
            return format_glued(self.glue[args[0]], args[1])
        except (ValueError, TypeError):
            return None


def _code(nb: dict) -> list:
    return [(c.get("id"), _source(c)) for c in nb.get("cells", [])
            if c.get("cell_type") == "code"]


def load_executed(path: Path, chapter: dict) -> Executed:
    nb = json.loads(path.read_text(encoding="utf-8"))
    ex = Executed(path)
    glue_file = path.with_suffix(".glue.json")
    if glue_file.is_file():
        for key, out in json.loads(glue_file.read_text("utf-8")).items():
            text = (out.get("data") or {}).get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            if isinstance(text, str):
                ex.glue[key] = text
    for cell in nb.get("cells", []):
        exprs = (cell.get("metadata") or {}).get("user_expressions") or []
        found = {}
        for item in exprs:
            data = ((item or {}).get("result") or {}).get("data") or {}
            text = data.get("text/plain")
            if isinstance(text, list):
                text = "".join(text)
            if isinstance(item.get("expression"), str) and \
                    isinstance(text, str):
                found[item["expression"]] = text
        if found:
            ex.expressions[cell.get("id")] = found
    mine, theirs = _code(chapter), _code(nb)
    ex.code_cells_differing = sum(a != b for a, b in zip(mine, theirs)) + \
        abs(len(mine) - len(theirs))
    return ex


def executed_dirs(root: Path) -> list[Path]:
    """Where the book's builds leave executed chapters: ``make book``'s, then
    every ``make page`` build's."""
    dirs = [root / "_build" / "jupyter_execute" / "chapters"]
    dirs += sorted((root / "_build" / "page").glob(
        "*/_build/jupyter_execute/chapters"))
    return dirs


def find_executed(name: str, chapter: dict, dirs) -> Executed | None:
    """The executed copy of ``name`` (``05_relu.ipynb``) whose code is the
    chapter's, or else the most recent one; None if there is none."""
    found = []
    for d in dirs:
        path = Path(d) / name
        if path.is_file():
            try:
                found.append(load_executed(path, chapter))
            except (OSError, ValueError, AttributeError):
                continue
    if not found:
        return None
    return min(found, key=lambda e: (e.code_cells_differing,
                                     -e.path.stat().st_mtime))


# ------------------------------------------------------- bibliography

_ACCENTS = {"'": "\u0301", '"': "\u0308", "`": "\u0300", "^": "\u0302",
            "~": "\u0303", "c": "\u0327", "v": "\u030c", "=": "\u0304",
            ".": "\u0307", "u": "\u0306", "H": "\u030b", "r": "\u030a"}


def _latex_text(text: str) -> str:
    import unicodedata

    def accent(m):
        return unicodedata.normalize("NFC", m.group(2) + _ACCENTS[m.group(1)])

    text = re.sub(r"\\([\'\"`^~=.]|[cvuHr](?=[{\s]))\s*\{?\\?([A-Za-z])\}?",
                  accent, text)
    text = text.replace("\\&", "&").replace("~", " ")
    return re.sub(r"[{}]", "", text).strip()


def _fields(body: str) -> dict:
    """``key = {value}`` / ``key = "value"`` / ``key = 1999`` of one entry."""
    out, i = {}, 0
    for m in re.finditer(r"(\w+)\s*=\s*", body):
        if m.start() < i:
            continue
        j = m.end()
        if j < len(body) and body[j] == "{":
            depth, k = 0, j
            while k < len(body):
                depth += {"{": 1, "}": -1}.get(body[k], 0)
                if depth == 0:
                    break
                k += 1
            value, i = body[j + 1:k], k + 1
        elif j < len(body) and body[j] == '"':
            k = body.index('"', j + 1)
            value, i = body[j + 1:k], k + 1
        else:
            v = re.match(r"[^,\n}]*", body[j:]).group()
            value, i = v, j + len(v)
        out[m.group(1).lower()] = value
    return out


def read_bib(text: str) -> dict:
    """``{key: (author_for_citation, year)}`` from a BibTeX file."""
    entries = {}
    for m in re.finditer(r"@(\w+)\s*\{\s*([^,\s]+)\s*,", text):
        if m.group(1).lower() in ("comment", "string", "preamble"):
            continue
        start, depth, k = m.end(), 1, m.end()
        while k < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[k], 0)
            k += 1
        f = _fields(text[start:k - 1])
        people = f.get("author") or f.get("editor") or ""
        names = []
        for person in re.split(r"\s+and\s+", people.strip()):
            if not person:
                continue
            if person.startswith("{") and person.endswith("}"):
                names.append(_latex_text(person))  # {Cross Validated ...}
            elif "," in person:
                names.append(_latex_text(person.split(",")[0]))
            else:
                names.append(_latex_text(person.split()[-1]))
        if not names:
            who = _latex_text(f.get("organization") or f.get("title", "")
                              or m.group(2))
        elif len(names) == 1:
            who = names[0]
        elif len(names) == 2 and names[1] != "others":
            who = f"{names[0]} and {names[1]}"
        else:
            who = f"{names[0]} et al."
        year = _latex_text(f.get("year", "")) or "n.d."
        entries[m.group(2)] = (who, year)
    return entries


# ------------------------------------------------------ the rewriting

CHAPTER = re.compile(r"(?:^|/)0*(\d+)([a-z]?)_[^/]*$")
ROLE_OR_CODE = re.compile(
    r"\{(?P<role>[A-Za-z][\w:+-]*)\}(?P<tick>`+)(?P<content>.+?)(?P=tick)"
    r"|(?P<code>`+).*?(?P=code)", re.S)
FENCE_OPEN = re.compile(
    r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|:{3,})\s*"
    r"(?:\{(?P<name>[\w:+-]+)\}(?P<arg>.*)|(?P<info>.*))$")
TARGET = re.compile(r"^[ \t]*\(([^()\s]+)\)=[ \t]*$")
HEADING = re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+(.*?)[ \t#]*$")

ADMONITIONS = {"note", "warning", "tip", "hint", "important", "caution",
               "attention", "danger", "error", "seealso", "admonition",
               "dropdown", "margin", "sidebar", "topic", "epigraph"}


def _source(cell: dict) -> str:
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def _set_source(cell: dict, text: str) -> None:
    lines = text.splitlines(keepends=True)
    cell["source"] = lines if isinstance(cell.get("source"), list) else text


def chapter_number(name: str) -> str | None:
    """``"5"`` for ``05_relu.ipynb``, ``"4b"`` for ``04b_x``, else None."""
    m = CHAPTER.search(Path(name).stem)
    return None if m is None else m.group(1) + m.group(2)


def _split_options(body: list[str]) -> tuple[dict, list[str]]:
    """A directive's ``:key: value`` lines (or ``---`` YAML block) and the
    rest of its body."""
    opts, i = {}, 0
    if body and body[0].strip() == "---":
        end = next((j for j in range(1, len(body))
                    if body[j].strip() == "---"), None)
        if end is not None:
            for line in body[1:end]:
                k, _, v = line.partition(":")
                opts[k.strip()] = v.strip()
            i = end + 1
    while i < len(body):
        m = re.match(r"^\s*:([\w-]+):\s*(.*)$", body[i])
        if not m:
            break
        opts[m.group(1)] = m.group(2).strip()
        i += 1
    while i < len(body) and not body[i].strip():
        i += 1
    return opts, body[i:]


def _blocks(lines: list[str]):
    """Split lines into ('text', lines), ('code', lines) (a fence that is
    not a directive, kept verbatim) and ('directive', name, arg, body)."""
    i = 0
    text: list[str] = []
    while i < len(lines):
        m = FENCE_OPEN.match(lines[i])
        if not m:
            text.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        j = _fence_end(lines, i, fence)
        if text:
            yield ("text", text)
            text = []
        if m.group("name") is None:
            if fence[0] == ":":  # ::: with no {name}: a plain div
                yield ("directive", "div", (m.group("info") or "").strip(),
                       lines[i + 1:j])
            else:
                yield ("code", lines[i:j + 1])
        else:
            yield ("directive", m.group("name"), m.group("arg").strip(),
                   lines[i + 1:j])
        i = j + 1
    if text:
        yield ("text", text)


@dataclass
class Context:
    """What the rewriting of one notebook knows: labels, numbers, values."""

    name: str
    prefix: str | None = None
    executed: Executed | None = None
    bib: dict = field(default_factory=dict)
    files: set = field(default_factory=set)     # paths in the edition
    chapters: set = field(default_factory=set)  # notebook stems there
    exercises: dict = field(default_factory=dict)  # label -> (n, title)
    equations: dict = field(default_factory=dict)  # label -> n
    figures: dict = field(default_factory=dict)    # label -> n
    headings: dict = field(default_factory=dict)   # label -> text
    counts: Counter = field(default_factory=Counter)
    missing: list = field(default_factory=list)    # {eval} left as code
    cell_id: str | None = None
    open_solution: str | None = None
    solutions_with_code: set = field(default_factory=set)

    def number(self, k: int) -> str:
        return f"{self.prefix}.{k}" if self.prefix else str(k)


def _scan(nb: dict, ctx: Context) -> None:
    """Number exercises, labelled equations and figures in page order, and
    remember the heading each ``(label)=`` stands before."""
    pending = None
    solution = None  # the gated solution open at this cell
    for cell in nb.get("cells", []):
        src = _source(cell)
        if cell.get("cell_type") == "code" and solution:
            ctx.solutions_with_code.add(solution)
        if cell.get("cell_type") == "markdown":
            for m in re.finditer(r"\{solution-(start|end)\}[ \t]*(\S*)", src):
                solution = m.group(2) if m.group(1) == "start" else None
        if cell.get("cell_type") == "code":
            fig = ((cell.get("metadata") or {}).get("mystnb") or {}).get(
                "figure") or {}
            if fig.get("name"):
                ctx.figures[fig["name"]] = ctx.number(len(ctx.figures) + 1)
            continue
        if cell.get("cell_type") != "markdown":
            continue
        lines = _source(cell).splitlines()
        in_math = False
        for i, line in enumerate(lines):
            t = TARGET.match(line)
            if t:
                pending = t.group(1)
                continue
            h = HEADING.match(line)
            if h and pending:
                ctx.headings[pending] = h.group(1)
            if line.strip():
                pending = None
            m = FENCE_OPEN.match(line)
            if m and m.group("name"):
                name = m.group("name")
                opts, body = _split_options(_directive_body(lines, i))
                label = opts.get("label") or opts.get("name")
                if name in ("exercise", "exercise-start"):
                    n = ctx.number(len(ctx.exercises) + 1)
                    ctx.exercises[label or f"_ex{n}"] = (
                        n, m.group("arg").strip())
                elif name == "math" and label:
                    ctx.equations[label] = ctx.number(
                        len(ctx.equations) + 1)
                elif name in ("figure", "glue:figure") and label:
                    ctx.figures[label] = ctx.number(len(ctx.figures) + 1)
            s = line.strip()
            if not in_math and s.startswith("$$"):
                rest = s[2:]
                if "$$" in rest:
                    lab = _math_label(rest[rest.index("$$") + 2:])
                    if lab:
                        ctx.equations[lab] = ctx.number(
                            len(ctx.equations) + 1)
                else:
                    in_math = True
            elif in_math and "$$" in s:
                in_math = False
                lab = _math_label(s[s.index("$$") + 2:])
                if lab:
                    ctx.equations[lab] = ctx.number(len(ctx.equations) + 1)


def _fence_end(lines, i, fence: str) -> int:
    """The index of the line that closes the fence opened at ``lines[i]``
    (as many or more of its character), or ``len(lines)``."""
    close = re.compile(r"^[ \t]*" + re.escape(fence[0]) + "{" +
                       str(len(fence)) + r",}[ \t]*$")
    j = i + 1
    while j < len(lines) and not close.match(lines[j]):
        j += 1
    return j


def _directive_body(lines, i):
    fence = FENCE_OPEN.match(lines[i]).group("fence")
    return lines[i + 1:_fence_end(lines, i, fence)]


def _math_label(after: str) -> str | None:
    m = re.fullmatch(r"\s*\(([^()\s]+)\)\s*", after)
    return m.group(1) if m else None


# --- roles

def _target(content: str) -> tuple[str | None, str]:
    """``"text <label>"`` -> (text, label); ``"label"`` -> (None, label)."""
    m = re.fullmatch(r"(.*?)\s*<([^<>]+)>", content.strip(), re.S)
    if m and m.group(1):
        return m.group(1), m.group(2)
    return None, content.strip()


def _cite(role: str, content: str, ctx: Context) -> str:
    keys = [k.strip() for k in content.split(",") if k.strip()]
    if not keys or any(k not in ctx.bib for k in keys):
        return "[" + ", ".join(keys) + "]"
    who_year = [ctx.bib[k] for k in keys]
    if role in ("cite:t", "cite:ts"):
        return ", ".join(f"{w} [{y}]" for w, y in who_year)
    if role == "cite:author":
        return ", ".join(w for w, _ in who_year)
    if role == "cite:year":
        return ", ".join(y for _, y in who_year)
    return "[" + ", ".join(f"{w}, {y}" for w, y in who_year) + "]"


def _role(role: str, content: str, ctx: Context) -> str:
    ctx.counts[f"{{{role}}}"] += 1
    if role == "eval":
        value = None
        if ctx.executed is not None:
            value = ctx.executed.value(ctx.cell_id, content)
        if value is None:
            ctx.missing.append(content)
            return f"`{content}`"
        return value
    if role.startswith("glue"):  # {glue:text}`key:spec`, {glue}`key`
        key, _, spec = content.partition(":") if role != "glue" else \
            (content, "", "")
        value = None
        if ctx.executed is not None and "::" not in key and \
                key in ctx.executed.glue:
            try:
                value = format_glued(ctx.executed.glue[key], spec)
            except (ValueError, TypeError):
                value = None
        if value is None:
            ctx.missing.append(content)
            return f"`{content}`"
        return value
    if role.startswith("cite"):
        return _cite(role, content, ctx)
    text, label = _target(content)
    if role == "eq":
        n = ctx.equations.get(label)
        return f"({n})" if n else f"({label})"
    if role == "numref":
        if label in ctx.figures:
            n, kind = ctx.figures[label], "Fig."
        elif label in ctx.exercises:
            n, kind = ctx.exercises[label][0], "Exercise"
        elif label in ctx.equations:
            n, kind = ctx.equations[label], "Equation"
        else:
            return text or label
        if text:
            return text.replace("%s", n).replace("{number}", n)
        return f"{kind} {n}"
    if role == "ref":
        if text:
            return text
        if label in ctx.exercises:
            return f"Exercise {ctx.exercises[label][0]}"
        if label in ctx.headings:
            return ctx.headings[label]
        if label in ctx.figures:
            return f"Fig. {ctx.figures[label]}"
        return label
    if role == "doc":
        stem = Path(label).name
        if stem in ctx.chapters:
            return f"[{text or stem}]({stem}.ipynb)"
        return text or label
    if role == "math":
        return f"${content}$"
    if role in ("code", "literal", "samp", "file", "command", "kbd"):
        return f"`{content}`"
    if role in ("sub", "sup"):
        return f"<{role}>{content}</{role}>"
    if role == "abbr":
        m = re.fullmatch(r"(.*?)\s*\((.*)\)", content, re.S)
        return m.group(1) if m else content
    return text or label


def _inline(text: str, ctx: Context) -> str:
    def sub(m):
        if m.group("code") is not None:
            return m.group(0)
        return _role(m.group("role"), m.group("content"), ctx)
    return ROLE_OR_CODE.sub(sub, text)


# --- blocks

def _math_lines(lines: list[str], ctx: Context) -> list[str]:
    """Labelled ``$$ ... $$ (label)`` blocks get their number as a tag."""
    out, in_math = [], False
    for line in lines:
        s = line.strip()
        if not in_math and s.startswith("$$"):
            rest = s[2:]
            if "$$" not in rest:
                in_math = True
                out.append(line)
                continue
            k = rest.index("$$")
            lab = _math_label(rest[k + 2:])
            if lab:
                ctx.counts["$$ (label)"] += 1
                n = ctx.equations.get(lab)
                tag = f" \\tag{{{n}}}" if n else ""
                line = line[:len(line) - len(line.lstrip())] + \
                    f"$${rest[:k]}{tag}$$"
            out.append(line)
            continue
        if in_math and "$$" in s:
            in_math = False
            k = line.index("$$")
            lab = _math_label(line[k + 2:])
            if lab:
                ctx.counts["$$ (label)"] += 1
                n = ctx.equations.get(lab)
                if line[:k].strip():
                    out.append(line[:k].rstrip())
                if n:
                    out.append(f"\\tag{{{n}}}")
                line = line[:len(line) - len(line.lstrip())] + "$$"
            out.append(line)
            continue
        out.append(line)
    return out


def _text(lines: list[str], ctx: Context) -> list[str]:
    kept = []
    for line in lines:
        if TARGET.match(line):
            ctx.counts["(label)="] += 1
            continue
        kept.append(line)
    kept = _math_lines(kept, ctx)
    # Roles may not span math; $...$ is left to MathJax. Rewrite roles in
    # each paragraph's text (a role never spans a blank line).
    return _inline("\n".join(kept), ctx).split("\n") if kept else []


def _boxed(title: str, body: list[str], ctx: Context,
           details: bool = False) -> list[str]:
    inner = _convert_lines(body, ctx)
    while inner and not inner[-1].strip():
        inner.pop()
    if details:
        return [f"<details><summary>{title}</summary>", "", *inner, "",
                "</details>"]
    return ["<blockquote>", "", title, "", *inner, "", "</blockquote>"]


def _directive(name: str, arg: str, body: list[str], ctx: Context,
               after=()) -> list[str]:
    """One directive as Markdown/HTML. ``after``: the lines that follow a
    gated ``{solution-start}`` or ``{exercise-start}`` in its cell, which
    belong in its box."""
    ctx.counts[f"{{{name}}}"] += 1
    opts, rest = _split_options(body)
    label = opts.get("label") or opts.get("name")
    dropdown = "dropdown" in opts.get("class", "").split()
    arg_md = _inline(arg, ctx) if arg else ""
    if name in ("exercise", "exercise-start"):
        n = next((v[0] for k, v in ctx.exercises.items()
                  if k == label or (label is None and v[1] == arg)), "")
        title = f"**Exercise {n}**".replace(" **", "**") + \
            (f" ({arg_md})" if arg_md else "")
        if name == "exercise-start":
            rest = rest + list(after)
        return _boxed(title, rest, ctx)
    if name in ("exercise-end",):
        return []
    if name in ("solution", "solution-start"):
        target = arg.strip()
        n, ex_title = ctx.exercises.get(target, ("", ""))
        what = f"Solution to Exercise {n}" if n else "Solution"
        title = f"<b>{what}</b>" + (
            f" ({_inline(ex_title, ctx)})" if ex_title else "")
        if name == "solution-start":
            ctx.open_solution = target
            rest = rest + list(after)
        box = _boxed(title, rest, ctx, details=True)
        if name == "solution-start" and target in ctx.solutions_with_code:
            box += ["", "*The solution goes on in the code cells below, "
                        "down to its end.*"]
        return box
    if name == "solution-end":
        n = ctx.exercises.get(ctx.open_solution, ("",))[0]
        ctx.open_solution = None
        return [f"*End of the solution to Exercise {n}.*" if n else
                "*End of the solution.*"]
    if name == "math":
        inner = [line for line in rest]
        n = ctx.equations.get(label) if label else None
        tag = [f"\\tag{{{n}}}"] if n else []
        return ["$$", *inner, *tag, "$$"]
    if name in ("figure", "image", "glue:figure"):
        path = arg.strip()
        caption = " ".join(x.strip() for x in rest if x.strip())
        caption_md = _inline(caption, ctx) if caption else ""
        alt = opts.get("alt") or caption or path
        n = ctx.figures.get(label) if label else None
        out = []
        if name != "glue:figure" and path in ctx.files:
            out += [f"![{alt}]({path})", ""]
        if n or caption_md:
            head = f"Fig. {n}: " if n else ""
            out.append(f"*{head}{caption_md}*")
        elif not out:
            out.append(f"*{alt}*")
        return out
    if name == "raw":
        return rest if arg.strip() == "html" else []
    if name in ("code", "code-block", "sourcecode", "code-cell"):
        return ["```" + arg.strip(), *rest, "```"]
    if name in ("div", "container"):
        return _convert_lines(rest, ctx)
    if name == "admonition":
        title = f"**{arg_md}**" if arg_md else "**Note**"
    elif name == "dropdown":
        title = arg_md or "Details"
        return _boxed(title, rest, ctx, details=True)
    else:
        title = f"**{name.replace('-', ' ').capitalize()}**" + (
            f" ({arg_md})" if arg_md and name in ADMONITIONS else "")
    if dropdown:
        return _boxed(title.replace("**", "<b>", 1).replace("**", "</b>", 1),
                      rest, ctx, details=True)
    return _boxed(title, rest, ctx)


def _convert_lines(lines: list[str], ctx: Context) -> list[str]:
    out: list[str] = []
    blocks = list(_blocks(lines))
    i = 0
    while i < len(blocks):
        block = blocks[i]
        i += 1
        if block[0] == "text":
            out += _text(block[1], ctx)
        elif block[0] == "code":
            out += block[1]
        elif block[1] in ("solution-start", "exercise-start"):
            # A gated directive closes at once: what follows it in the
            # cell, up to its -end, is its content.
            end = block[1].replace("-start", "-end")
            j = next((k for k in range(i, len(blocks))
                      if blocks[k][0] == "directive" and blocks[k][1] == end),
                     len(blocks))
            after = []
            for b in blocks[i:j]:
                after += _fence_back(b)
            out += _directive(block[1], block[2], block[3], ctx, after)
            i = j
        else:
            out += _directive(block[1], block[2], block[3], ctx)
    return out


def _fence_back(block) -> list[str]:
    """A block as the lines it came from (to convert them again inside a
    gated directive's box)."""
    if block[0] in ("text", "code"):
        return list(block[1])
    ticks = "````" if any(x.lstrip().startswith("```") for x in block[3]) \
        else "```"
    return [f"{ticks}{{{block[1]}}} {block[2]}".rstrip(), *block[3], ticks]


def convert_markdown(text: str, ctx: Context) -> str:
    """One Markdown cell's source, rewritten."""
    out = "\n".join(_convert_lines(text.split("\n"), ctx))
    return re.sub(r"\n{3,}", "\n\n", out).strip("\n")


def convert_notebook(nb: dict, name: str, executed: Executed | None = None,
                     bib: dict | None = None, files=(), chapters=()
                     ) -> Context:
    """Rewrite every Markdown cell of ``nb`` (a notebook as JSON) in place.
    Returns the context: ``counts`` of rewritten constructs, ``missing``
    ``{eval}`` expressions shown as code for want of a value."""
    ctx = Context(name=name, prefix=chapter_number(name), executed=executed,
                  bib=dict(bib or {}), files=set(files),
                  chapters=set(chapters))
    _scan(nb, ctx)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        ctx.cell_id = cell.get("id")
        src = _source(cell)
        new = convert_markdown(src, ctx)
        if new != src:
            _set_source(cell, new)
    return ctx


def convert_folder(folder: Path, executed_in, bib_text: str | None = None,
                   log=print) -> dict:
    """Rewrite every notebook directly in ``folder`` (the edition's
    chapters). ``executed_in``: folders holding executed copies, searched in
    order. Returns ``{notebook: Counter}`` of rewritten constructs."""
    folder = Path(folder)
    bib = read_bib(bib_text) if bib_text else {}
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*")
             if p.is_file()}
    notebooks = sorted(folder.glob("*.ipynb"))
    stems = {p.stem for p in notebooks}
    report = {}
    for path in notebooks:
        try:
            nb = json.loads(path.read_text(encoding="utf-8"))
            ex = find_executed(path.name, nb, executed_in)
            ctx = convert_notebook(nb, path.name, ex, bib, files, stems)
        except Exception as exc:  # never stop the build over one chapter
            log(f"warning: {path.name}: Markdown left as MyST ({exc!r})")
            continue
        path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n",
                        encoding="utf-8")
        report[path.name] = ctx.counts
        if ex is None and ctx.counts["{eval}"]:
            log(f"warning: {path.name}: no executed copy (make book): "
                f"{ctx.counts['{eval}']} numbers shown as glued(...) code")
        elif ctx.missing:
            log(f"warning: {path.name}: {len(ctx.missing)} of "
                f"{ctx.counts['{eval}']} numbers not in {ex.path}: shown as "
                "glued(...) code")
        if ex is not None and ex.code_cells_differing:
            log(f"warning: {path.name}: numbers from {ex.path}, whose code "
                f"differs from the chapter's in {ex.code_cells_differing} "
                "cells (make book for current ones)")
    return report
