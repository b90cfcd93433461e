"""Candidate spaces R for exposure: every string a secret could have been.

Spec strings (CLI ``--space``, also accepted by :func:`parse_space`):

* ``digits:N``, ``hex:N`` (0-9a-f), ``lower:N``, ``upper:N``, ``alnum:N`` (0-9A-Za-z): N characters;
* ``pattern:P``: one slot per character of P, ``d`` digit, ``h`` hex, ``l`` lower, ``u`` upper,
  ``a`` alnum, anything else literal (``\\`` escapes a placeholder letter), e.g.
  ``pattern:dddd dddd dddd dddd``;
* ``luhn:P``: a pattern of ``d`` slots and literals whose digits pass the Luhn check (the last
  digit slot is the check digit), e.g. ``luhn:dddd dddd dddd dddd`` (10^15 candidates);
* ``list:a,b,c`` or ``file:PATH`` (one candidate per line): an explicit list.

A space built by :func:`space_for` from a found secret has a ``spec`` that spells out the secret's
literal characters (``pattern:ДаНетllllПароль``); everything shown or written uses its ``label``
instead, which gives only the length and the number of slots of each class
(``pattern(len=15: 4 lower, 11 literal)``), no more than the space's size already tells. A spec
given by the user is its own label.

Spaces are indexable (``space[i]``, ``0 <= i < len(space)`` with Python ints, so ``alnum:40`` works),
enumerable in index order, uniformly sampleable and know whether they contain a string.
"""

from __future__ import annotations

import itertools
import os
import random
import string
from collections.abc import Iterator, Sequence

from ..checksums import luhn_check_digit, luhn_valid
from ..errors import SanitizeError

CLASSES: dict[str, str] = {
    "d": string.digits,
    "h": string.digits + "abcdef",
    "l": string.ascii_lowercase,
    "u": string.ascii_uppercase,
    "a": string.digits + string.ascii_uppercase + string.ascii_lowercase,
}
_NAMED = {"digits": "d", "hex": "h", "lower": "l", "upper": "u", "alnum": "a"}


_CLASS_NAMES = {"d": "digit", "h": "hex", "l": "lower", "u": "upper", "a": "alnum"}


class CandidateSpace:
    """A finite set of candidate strings with a stable order (index -> candidate).

    ``spec`` rebuilds the space; ``label`` is what reports, tables and plots show (see the module
    docstring: it differs from ``spec`` only for spaces derived from a secret)."""

    spec: str
    _label: str | None = None

    @property
    def label(self) -> str:
        return self._label or self.spec

    def __len__(self) -> int:  # may exceed sys.maxsize: use .size for huge spaces
        return self.size

    @property
    def size(self) -> int:
        raise NotImplementedError

    def __getitem__(self, index: int) -> str:
        raise NotImplementedError

    def __iter__(self) -> Iterator[str]:
        return (self[i] for i in range(self.size))

    def __contains__(self, candidate: object) -> bool:
        raise NotImplementedError

    def sample(self, n: int, seed: int = 0, exclude: str | None = None) -> list[str]:
        """``n`` distinct candidates drawn uniformly (``exclude`` never drawn)."""
        available = self.size - (1 if exclude is not None and exclude in self else 0)
        if n > available:
            raise SanitizeError(f"cannot sample {n} candidates from {self.label} ({available} available)")
        rng = random.Random(seed)
        seen: set[int] = set()
        out = []
        while len(out) < n:
            i = rng.randrange(self.size)
            if i in seen:
                continue
            seen.add(i)
            c = self[i]
            if c != exclude:
                out.append(c)
        return out

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.label!r}, size={self.size})"


class PatternSpace(CandidateSpace):
    """Fixed-length strings, one alphabet per slot (a literal is a one-letter alphabet)."""

    def __init__(self, slots: Sequence[str], spec: str, luhn: bool = False) -> None:
        if not slots:
            raise SanitizeError(f"space {spec!r} is empty")
        self.slots = list(slots)
        self.spec = spec
        self.luhn = luhn
        self._free = [i for i, s in enumerate(self.slots) if len(s) > 1]
        if luhn:
            digit_slots = [i for i, s in enumerate(self.slots) if s == string.digits or s.isdigit()]
            if any(s != string.digits and not s.isdigit() for s in (self.slots[i] for i in self._free)):
                raise SanitizeError(f"space {spec!r}: a luhn pattern may only have digit slots ('d')")
            if not digit_slots or self.slots[digit_slots[-1]] != string.digits:
                raise SanitizeError(f"space {spec!r}: the last digit of a luhn pattern must be a 'd' slot")
            self._check = digit_slots[-1]
            self._digits = digit_slots
            self._free = [i for i in self._free if i != self._check]

    @property
    def size(self) -> int:
        n = 1
        for i in self._free:
            n *= len(self.slots[i])
        return n

    def __getitem__(self, index: int) -> str:
        if not 0 <= index < self.size:
            raise IndexError(index)
        out = [s[0] for s in self.slots]
        for i in reversed(self._free):  # mixed radix, first slot most significant
            index, r = divmod(index, len(self.slots[i]))
            out[i] = self.slots[i][r]
        if self.luhn:
            out[self._check] = luhn_check_digit("".join(out[i] for i in self._digits[:-1]))
        return "".join(out)

    def __iter__(self) -> Iterator[str]:
        if self.luhn:
            yield from super().__iter__()
            return
        yield from ("".join(t) for t in itertools.product(*self.slots))

    def __contains__(self, candidate: object) -> bool:
        if not isinstance(candidate, str) or len(candidate) != len(self.slots):
            return False
        if not all(ch in s for ch, s in zip(candidate, self.slots)):
            return False
        return not self.luhn or luhn_valid("".join(candidate[i] for i in self._digits))


class ListSpace(CandidateSpace):
    """An explicit list of candidates (duplicates removed, order kept)."""

    def __init__(self, candidates: Sequence[str], spec: str = "list") -> None:
        self.candidates = list(dict.fromkeys(candidates))
        if not self.candidates or any(not isinstance(c, str) or not c for c in self.candidates):
            raise SanitizeError(f"space {spec!r}: needs at least one candidate and no empty strings")
        self._set = set(self.candidates)
        self.spec = spec

    @property
    def size(self) -> int:
        return len(self.candidates)

    def __getitem__(self, index: int) -> str:
        return self.candidates[index]

    def __iter__(self) -> Iterator[str]:
        return iter(self.candidates)

    def __contains__(self, candidate: object) -> bool:
        return candidate in self._set

    def __repr__(self) -> str:  # the list may hold real secrets
        return f"ListSpace(size={self.size})"


def _pattern_slots(pattern: str, spec: str) -> list[str]:
    slots, escaped = [], False
    for ch in pattern:
        if escaped:
            slots.append(ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        else:
            slots.append(CLASSES.get(ch, ch))
    if escaped:
        raise SanitizeError(f"space {spec!r}: pattern ends with a lone backslash")
    return slots


def parse_space(spec: str | CandidateSpace | Sequence[str]) -> CandidateSpace:
    """A :class:`CandidateSpace` from a spec string (see module docstring), a space, or a list."""
    if isinstance(spec, CandidateSpace):
        return spec
    if isinstance(spec, (list, tuple)):
        return ListSpace(list(spec))
    if not isinstance(spec, str):
        raise SanitizeError(
            f"space must be a spec string (e.g. 'digits:6'), a CandidateSpace or a list of candidates, "
            f"got {'None' if spec is None else type(spec).__name__}"
        )
    kind, sep, arg = spec.partition(":")
    if not sep:
        raise SanitizeError(
            f"space {spec!r}: expected KIND:ARG, e.g. digits:6, pattern:dddd-dddd, luhn:dddd dddd dddd dddd, "
            "list:a,b,c or file:candidates.txt"
        )
    if kind in _NAMED:
        if not arg.isdigit() or int(arg) < 1:
            raise SanitizeError(f"space {spec!r}: length must be a positive integer")
        return PatternSpace([CLASSES[_NAMED[kind]]] * int(arg), spec)
    if kind == "pattern":
        return PatternSpace(_pattern_slots(arg, spec), spec)
    if kind == "luhn":
        return PatternSpace(_pattern_slots(arg, spec), spec, luhn=True)
    if kind == "list":
        return ListSpace([c for c in arg.split(",") if c], "list")
    if kind == "file":
        if not os.path.isfile(arg):
            raise SanitizeError(f"space {spec!r}: candidate file {arg} not found")
        with open(arg, encoding="utf-8") as fh:
            lines = [line.rstrip("\r\n") for line in fh]
        return ListSpace([c for c in lines if c], f"file:{arg}")
    raise SanitizeError(
        f"space {spec!r}: unknown kind {kind!r}; use digits, hex, lower, upper, alnum, pattern, luhn, list or file"
    )


def space_for(secret: str, type: str | None = None) -> CandidateSpace:
    """The candidate space to rank a found secret in: same length, same character classes, literal
    separators kept. Digits only -> ``digits:N``; a Luhn-valid card -> ``luhn:`` pattern with its
    separators; lowercase hex -> ``hex:N``; otherwise one class per character (``a`` where the secret
    mixes upper, lower and digits), punctuation literal. Its ``label`` never shows the literals."""
    if not isinstance(secret, str) or not secret:
        raise SanitizeError("cannot build a candidate space for an empty (or non-string) secret")
    digits = "".join(ch for ch in secret if ch.isdigit())
    if secret.isascii() and secret.isdigit():
        return parse_space(f"digits:{len(secret)}")
    if type in ("credit_card", "card") or (
        len(digits) >= 12 and all(ch.isdigit() or ch in " -" for ch in secret) and luhn_valid(digits)
    ):
        classes = ["d" if ch.isascii() and ch.isdigit() else "" for ch in secret]
        kind = "luhn" if luhn_valid(digits) and secret[-1].isascii() and secret[-1].isdigit() else "pattern"
    elif len(secret) >= 8 and all(ch in CLASSES["h"] for ch in secret):
        return parse_space(f"hex:{len(secret)}")
    else:
        mixed = any(c.isupper() for c in secret) and any(c.islower() for c in secret) and bool(digits)
        classes = [
            ("a" if mixed else "d" if ch.isdigit() else "l" if ch.islower() else "u")
            if ch.isascii() and ch.isalnum()
            else ""
            for ch in secret
        ]
        kind = "pattern"
    pattern = "".join(c or _escape(ch) for c, ch in zip(classes, secret))
    space = parse_space(f"{kind}:{pattern}")
    space._label = _label(kind, classes)
    return space


def _label(kind: str, classes: list[str]) -> str:
    """``kind(len=N: 4 lower, 11 literal)``: slot counts per class, literals counted, never shown."""
    counts = {name: sum(1 for c in classes if c == key) for key, name in _CLASS_NAMES.items()}
    counts["literal"] = sum(1 for c in classes if not c)
    parts = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    return f"{kind}(len={len(classes)}: {parts})"


def _escape(ch: str) -> str:
    return "\\" + ch if ch in CLASSES or ch == "\\" else ch
