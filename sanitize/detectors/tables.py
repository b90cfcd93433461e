"""Passwords in tables: a column named like a password, its values in the rows below.

Delimited text (CSV, TSV, ``;``-separated, Markdown/ASCII ``|`` tables) pasted into a document, and
SQL ``INSERT INTO t (..., password, ...) VALUES (..., '...', ...), (...)``. The header cell is the
trigger (a keyword followed by a delimiter or the line's end); the rows are read while they have the
header's number of cells, up to ``after`` characters below it. Each value goes through the same
hard negatives as every password or secret (:func:`~.format_base.value_ok`); the span is the cell's
value without quotes or padding. ``kind="secret"`` columns (``api_token``, ``| API key |``) are
``table-secret``'s.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterator

from .base import Detector, Span
from .format_base import KEY_KEYWORDS, PASSWORD_WORDS, SECRET_WORDS, key_kind, value_ok
from .hard_negatives import key_words

_DELIMITERS = (",", "\t", "|", ";")
_CELL = {d: re.compile(rf'[ \t]*(?:"(?:[^"\n]|"")*"|\'[^\'\n]*\'|[^{re.escape(d)}\n]*)') for d in _DELIMITERS}
_QUALIFIER = re.compile(r"[ \t]{1,3}\([\w .,/-]{1,40}\)")  # `DB Password (prod)`: a qualifier in parentheses
# a column name: one or two words (``password``, ``DB Password``, ``api_token``), quoted or not, qualified or not
_HEADER_CELL = re.compile(
    r"""[ \t]*["'`]?[A-Za-z_][\w.-]{0,40}(?: [\w.-]{1,40})?(?:""" + _QUALIFIER.pattern + r""")?["'`]?[ \t]*"""
)
_STATEMENT_WORDS = frozenset({"yield", "return", "for", "if", "elif", "while", "print", "assert", "del", "global",
                              "nonlocal", "await", "var", "let", "const", "raise", "echo", "local", "my", "our"})  # fmt: skip
_NAME_HEAD = re.compile(r"[\w.-]+\Z")  # the part of a name before its keyword (searched up to the keyword)
_MAX_HEADER = 8192  # characters in a header line
_SPACE = re.compile(r"\s")  # an unquoted cell with a space is prose ("not set"), not a password
_RULE_ROW = re.compile(r"[ \t|:+=-]*")  # |---|:---:| or +-----+ under a header
# what follows a header keyword: the rest of the column name, then a delimiter or the line's end
FOLLOW = re.compile(
    r"""[\w.-]{0,40}(?![\w.-])["'`\]]?(?:"""
    + _QUALIFIER.pattern
    + r""")?:?\*{0,2}[ \t]*(?:[,\t|;)]|\r?\n|$)"""
)  # | **Password:** |, | Password (prod) |
_SQL_INSERT = re.compile(
    r"(?i:insert[ \t]+(?:ignore[ \t]+)?into)[ \t]+[\w.`\"\[\]]{1,128}[ \t]*\(([^()\n]{1,1024})\)"
)
_SQL_VALUES = re.compile(r"[ \t\r\n]*(?i:values)[ \t\r\n]*")
_SQL_TUPLE = re.compile(r"[ \t\r\n]*,?[ \t\r\n]*\(")
_SQL_LITERAL = re.compile(
    r"[ \t\r\n]*(?:'((?:[^'\\\n]|\\.|'')*)'|\"((?:[^\"\\\n]|\\.)*)\"|([^,()'\"\s]{1,200}))[ \t\r\n]*"
)


_LAST_WORDS = {"password": PASSWORD_WORDS, "secret": SECRET_WORDS}


def is_column(name: str, kind: str) -> bool:
    """A column of ``kind`` values: a ``kind`` key whose last word names the value (``db_password``,
    ``API Token``), not something about it (``password_changed_at``, ``password_hash``)."""
    name = name.strip(" \t\"'`")
    base = _QUALIFIER.sub("", name)  # `Password (prod)` names a password column, `Password (hash)` does not
    words = key_words(base)
    if not words or words[-1] not in _LAST_WORDS[kind] or key_kind(base) != kind or words == ["key"]:
        return False  # a bare `key` column holds a dictionary's keys
    return base == name or key_kind("_".join(words + key_words(name[len(base) :]))) == kind


def _cells(line: str, delimiter: str, offset: int) -> list[tuple[int, int]]:
    """``(start, end)`` of each cell of ``line`` (its text starts at ``offset``), split at ``delimiter``
    outside quotes; a ``|`` table's outer pipes open and close no cell."""
    if delimiter == "|":
        lead = len(line) - len(line.lstrip(" \t"))
        if line[lead : lead + 1] == "|":
            line, offset = line[lead + 1 :], offset + lead + 1
        body = line.rstrip(" \t\r")
        line = body[:-1] if body.endswith("|") else line
    cell, out, i = _CELL[delimiter], [], 0
    while True:
        m = cell.match(line, i)
        j = m.end() if m else i
        out.append((offset + i, offset + j))
        if j >= len(line) or line[j] != delimiter:
            return out
        i = j + 1


@functools.lru_cache(maxsize=1024)  # a table's header repeats (and a flood repeats one): judge it once
def _header(line: str, kind: str) -> tuple[str, int, tuple[int, ...]] | None:
    """``(delimiter, number of cells, the columns of kind)`` when ``line`` is a header row naming a
    ``kind`` column (two or more cells, each a column name), else None."""
    delimiter = max(_DELIMITERS, key=line.count)
    if line.count(delimiter) == 0:
        return None
    names = [line[s:e] for s, e in _cells(line, delimiter, 0)]
    if len(names) < 2 or not all(_HEADER_CELL.fullmatch(n) for n in names):
        return None
    if names[0].split(None, 1)[0].lower() in _STATEMENT_WORDS:
        return None  # code: `yield before, orig_token`, `return user, token`
    cols = tuple(c for c, n in enumerate(names) if is_column(n, kind))
    return (delimiter, len(names), cols) if cols else None


def _value(text: str, s: int, e: int) -> tuple[int, int, bool]:
    """The cell ``text[s:e]`` without padding and quotes -> ``(start, end, quoted)``."""
    while s < e and text[s] in " \t":
        s += 1
    while e > s and text[e - 1] in " \t\r":
        e -= 1
    quoted = e - s >= 2 and text[s] in "\"'" and text[e - 1] == text[s]
    return (s + 1, e - 1, True) if quoted else (s, e, False)


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class TableDetector(Detector):
    """The values of every column whose name is a ``kind`` key (``password`` or ``secret``)."""

    kind: str = "password"
    confidence: float = 0.8

    @functools.cached_property
    def _column_name(self) -> re.Pattern[str]:
        """A keyword (group 1) followed as a column name is (:data:`FOLLOW`), over the lower-cased text: one C
        search skips every other mention, and a run of keywords (``passpass...``) costs no Python per keyword.
        (Searching from identifiers' starts instead, ``[\\w.-]{0,40}?(words)``, tried up to 40 lengths at every
        identifier: 20% of a code tree's scan.)"""
        words = "|".join(re.escape(k) for k in sorted(self.keywords, key=len, reverse=True))
        return re.compile(rf"({words})" + FOLLOW.pattern)

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        """Each line is judged at most once: after a header its table, after any other line holding a
        keyword the next line; a keyword run without line breaks costs one search per line."""
        window = text[start:end]  # ASCII letters lower-cased, every offset kept (str.lower() may lengthen)
        low = window.lower() if window.isascii() else window.encode("utf-8").lower().decode("utf-8")
        pos = start
        while pos < end:
            m = self._column_name.search(low, pos - start)
            if m is None:
                return
            head = _NAME_HEAD.search(low, max(0, m.start(1) - 41), m.start(1))
            if head is not None and head.end() - head.start() > 40:
                pos = start + m.start(1) + 1  # the keyword ends a name longer than a column's
                continue
            k = start + m.start(1)
            nl = text.rfind("\n", max(0, k - self.before), k)
            line_start, line_end = nl + 1, text.find("\n", k, end)
            line_end = end if line_end < 0 else line_end
            if (nl < 0 and k > self.before) or line_end - line_start > _MAX_HEADER:
                pos = (
                    line_end + 1
                )  # a header line is at most `before` long before its key, _MAX_HEADER in all
                continue
            stop = min(end, k + self.after)  # rows below the header: at most `after` characters
            spans, to = self._delimited(text, line_start, k, stop)
            if to < 0:
                spans, to = self._sql(text, line_start, k, stop)
            yield from spans
            pos = max(to, line_end + 1)

    def _delimited(self, text: str, line_start: int, k: int, end: int) -> tuple[list[Span], int]:
        """The column's values below the header line at ``line_start`` and where the table ends
        (-1: that line is no header)."""
        line_end = text.find("\n", k, end)
        line_end = end if line_end < 0 else line_end
        line = text[line_start:line_end]
        # `| Password | V |` is a key/value row, unless a rule row below (|---|---|) makes the line a header
        if "|" in line:
            below_end = text.find("\n", line_end + 1, end)
            below = text[line_end + 1 : end if below_end < 0 else below_end]
            pair = self._key_value_row(text, line_start, line_end)
            if pair is not None and not (below.strip() and _RULE_ROW.fullmatch(below)):
                return [pair], line_end + 1
        judged = _header(line, self.kind)
        if judged is None:
            return [], -1  # prose with a comma, not a header row
        delimiter, n_cells, cols = judged
        out: list[Span] = []
        pos = line_end + 1
        while pos < end:
            row_end = text.find("\n", pos, end)
            row_end = end if row_end < 0 else row_end
            row = text[pos:row_end]
            if not row.strip():
                break  # a blank line ends the table
            if delimiter == "|" and _RULE_ROW.fullmatch(row):
                pos = row_end + 1
                continue
            cells = _cells(row, delimiter, pos)
            if len(cells) != n_cells:
                break  # a row of another shape ends it
            for c in cols:
                s, e, quoted = _value(text, *cells[c])
                if (quoted or not _SPACE.search(text, s, e)) and value_ok(
                    text[s:e],
                    kind=self.kind,
                    quoted=quoted,
                    code=False,  # a cell is data: `b74Rl.hAZh`
                ):
                    out.append((s, e, self.confidence))
            pos = row_end + 1
        return out, pos

    def _key_value_row(self, text: str, line_start: int, line_end: int) -> Span | None:
        """``| **DB password** | `V` | notes |``: the first cell names a ``kind`` value, the second holds it (a
        bare value of letters only is a description -- ``| password | string |`` -- not a password)."""
        cells = _cells(text[line_start:line_end], "|", line_start)
        name = text[cells[0][0] : cells[0][1]].strip(" \t*").removesuffix(":").rstrip(" \t*") if cells else ""
        # a column's name (not (r'(vcl_pass|vcl_hash|...: a regular expression's alternatives)
        if len(cells) < 2 or not _HEADER_CELL.fullmatch(name) or not is_column(name, self.kind):
            return None
        s, e, quoted = _value(text, *cells[1])
        if e - s >= 2 and text[s] == "`" == text[e - 1]:
            s, e, quoted = s + 1, e - 1, True
        value = text[s:e]
        bare_ok = not _SPACE.search(text, s, e) and not value.isalpha()
        if (quoted or bare_ok) and value_ok(value, kind=self.kind, quoted=quoted, code=False):
            return s, e, self.confidence
        return None

    def _sql(self, text: str, line_start: int, k: int, end: int) -> tuple[list[Span], int]:
        """The column's values in an ``INSERT INTO t (...) VALUES (...), ...`` whose column list holds
        the keyword at ``k``, and where the statement's last full row ends (-1: no such statement)."""
        m = _SQL_INSERT.search(text, line_start, min(end, k + 1024))
        if m is None or not m.start(1) <= k < m.end(1):
            return [], -1
        names = [n.strip(' \t`"[]') for n in m.group(1).split(",")]
        cols = [c for c, n in enumerate(names) if is_column(n, self.kind)]
        v = _SQL_VALUES.match(text, m.end())
        if not cols or v is None:
            return [], -1
        return self._rows(text, v.end(), end, len(names), cols)

    def _rows(self, text: str, pos: int, end: int, n_names: int, cols: list[int]) -> tuple[list[Span], int]:
        """The ``cols`` values of the ``(...), (...)`` rows of ``n_names`` literals from ``pos`` (after VALUES),
        and where the last full row ends."""
        out: list[Span] = []
        while pos < end and (t := _SQL_TUPLE.match(text, pos, end)) is not None:  # one (...) per row
            at, spans = t.end(), []
            for c in range(n_names):
                lit = _SQL_LITERAL.match(text, at, end)
                sep = "," if c < n_names - 1 else ")"
                if lit is None or not text.startswith(sep, lit.end()):
                    return out, pos  # not a full row: the statement ends before it
                group = next((g for g in (1, 2, 3) if lit.group(g) is not None), 3)
                spans.append((*lit.span(group), group != 3))
                at = lit.end() + 1
            for c in cols:
                s, e, quoted = spans[c]
                if value_ok(text[s:e], kind=self.kind, quoted=quoted):
                    out.append((s, e, self.confidence))
            pos = at
        return out, pos


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class DumpDetector(TableDetector):
    """Database dumps, where the rows do not name their columns: mysqldump's ``CREATE TABLE t (...)`` then
    ``INSERT INTO t VALUES (...), ...`` (the columns in the CREATE's order), and pg_dump's ``COPY t (...) FROM
    stdin;`` then tab-separated rows up to ``\\.``."""

    def find(self, text: str, start: int, end: int) -> Iterator[Span]:
        """Each statement's reach ends where the next ``CREATE TABLE``/``COPY`` starts, so every character is read
        once however many statements a window holds."""
        window = text[start:end]  # ASCII letters lower-cased, every offset kept
        low = window.lower() if window.isascii() else window.encode("utf-8").lower().decode("utf-8")
        heads = [
            (start + m.start(), start + m.end(), m.group().startswith("copy"))
            for m in _DUMP_HEAD.finditer(low)
        ]
        for k, (head, at, copy) in enumerate(heads):
            limit = heads[k + 1][0] if k + 1 < len(heads) else end  # the next statement's start
            if copy and head > 0 and text[head - 1] != "\n":
                continue  # `photocopy (...)`: COPY opens its line (the window may start mid-line)
            name = _TABLE_NAME.match(text, at, limit)
            body = _definitions(text, name.end(), min(limit, name.end() + _MAX_HEADER)) if name else None
            if body is None:
                continue
            names, close = body
            cols = [c for c, n in enumerate(names) if is_column(n, self.kind)]
            stop = min(limit, close + self.after)
            if not cols:
                continue
            if copy:
                yield from self._copy(text, close, stop, len(names), cols)
                continue
            for ins in _INSERT_VALUES.finditer(text, close, stop):  # the rows of this table, not another's
                if _last_name(ins.group("t")).lower() == name.group("t").lower():
                    yield from self._rows(text, ins.end(), stop, len(names), cols)[0]

    def _copy(self, text: str, close: int, end: int, n_names: int, cols: list[int]) -> Iterator[Span]:
        """pg_dump's rows: one line each, tab-separated, ``\\N`` for NULL, ended by ``\\.``."""
        head = _COPY_FROM.match(text, close + 1, end)
        pos = head.end() if head else end
        while pos < end:
            row_end = text.find("\n", pos, end)
            row_end = end if row_end < 0 else row_end
            cells = _cells(text[pos:row_end].rstrip("\r"), "\t", pos)
            if len(cells) != n_names:
                return  # `\.`, or a row of another shape
            for c in cols:
                s, e = cells[c]
                if text[s:e] != "\\N" and value_ok(text[s:e], kind=self.kind, quoted=False, code=False):
                    yield s, e, self.confidence
            pos = row_end + 1


_DUMP_HEAD = re.compile(r"\bcreate[ \t]+table[ \t]+(?:if[ \t]+not[ \t]+exists[ \t]+)?|(?m:^)copy[ \t]+")
_TABLE_NAME = re.compile(r"""[`"\[]?(?:\w{1,64}[`"\]]?\.[`"\[]?)?(?P<t>\w{1,64})[`"\]]?[ \t]*(?=\()""")
_INSERT_VALUES = re.compile(
    r"""(?i:insert[ \t]+(?:ignore[ \t]+)?into)[ \t]+(?P<t>[`"\[\w.\]]{1,140})[ \t]*(?i:values)[ \t\r\n]*"""
)
_COPY_FROM = re.compile(r"[ \t]*(?i:from)[ \t]+(?i:stdin)[^\n]{0,64}\n")
# what opens a column definition that names no column
_CONSTRAINTS = frozenset({"primary", "key", "unique", "constraint", "index", "foreign", "check", "fulltext",
                          "spatial", "exclude", "like", "period"})  # fmt: skip


def _last_name(name: str) -> str:
    """``public.users``, `` `db`.`users` ``, ``[dbo].[users]`` -> ``users``."""
    return name.rsplit(".", 1)[-1].strip('`"[]')


def _definitions(text: str, open_at: int, end: int) -> tuple[list[str], int] | None:
    """The column names of the parenthesised definitions at ``open_at`` (types' own parentheses and quoted
    strings skipped) and where they close, or None: one pass over at most ``end - open_at`` characters."""
    depth, quote, item, names = 0, "", open_at + 1, []
    for i in range(open_at, end):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"`":
            quote = ch if ch == "'" or depth > 1 else ""  # a column name's quotes open no string
        elif ch == "(":
            depth += 1
        elif ch == ")" or (ch == "," and depth == 1):
            if depth == 1:
                first = text[item:i].strip().split(None, 1)
                word = first[0].strip('`"[]') if first else ""
                if word and word.lower() not in _CONSTRAINTS:
                    names.append(word)
                item = i + 1
            if ch == ")":
                depth -= 1
                if depth == 0:
                    return names, i
    return None


TABLE_PASSWORD = TableDetector(
    "table-password", "password", keywords=KEY_KEYWORDS["password"], before=256, after=4096, priority=15,
    follow=FOLLOW,
)  # fmt: skip
TABLE_SECRET = TableDetector(
    "table-secret", "generic_secret", kind="secret", keywords=KEY_KEYWORDS["secret"], before=256, after=4096,
    priority=15, follow=FOLLOW,
)  # fmt: skip
# dumps: the statement opening the rows is the trigger, followed by a table's name and its parenthesis ("copy the
# file" is prose)
_DUMP_FOLLOW = re.compile(
    r"""[ \t]*(?:(?i:if)[ \t]+(?i:not)[ \t]+(?i:exists)[ \t]+)?[`"\[\w.\]]{1,140}[ \t]*\("""
)
DUMP_REACH = 1 << 20  # rows read after a statement: a dump's INSERT of many rows runs to about a megabyte
DUMP_PASSWORD = DumpDetector(
    "dump-password", "password", keywords=("create table", "copy "), after=DUMP_REACH, priority=15,
    follow=_DUMP_FOLLOW,
)  # fmt: skip
DUMP_SECRET = DumpDetector(
    "dump-secret", "generic_secret", kind="secret", keywords=("create table", "copy "), after=DUMP_REACH,
    priority=15, follow=_DUMP_FOLLOW,
)  # fmt: skip
DETECTORS = (TABLE_PASSWORD, TABLE_SECRET, DUMP_PASSWORD, DUMP_SECRET)
