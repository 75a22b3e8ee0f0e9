"""Read a typed answer safely: arithmetic on numbers, or a shape such as 32x16x16.

The text is parsed with `ast` and only a whitelist is walked (numbers, + - * / // **, unary
signs, parentheses); nothing is ever evaluated by Python. Arithmetic is exact (fractions, so
1.5k is 1500 and 1/3 stays 1/3), every intermediate is bounded in size, and the result is handed
back as exact sympy numbers. sympy is imported inside the functions so importing this module
stays fast.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from fractions import Fraction

from studytui.errors import StudytuiError

MAX_CHARS = 200
MAX_BITS = 512  # about 154 decimal digits: far beyond any real answer
MAX_EXPONENT = 512

SUFFIXES = {"k": 10**3, "K": 10**3, "M": 10**6, "G": 10**9}
_ALLOWED = set("0123456789 +-*/().,_eEkKMG^x")
_TRANSLATE = str.maketrans({"×": "x", "X": "x", "·": "*", "−": "-", "–": "-", "\u00a0": " ",
                            "\u202f": " ", "\u2009": " ", "[": "(", "]": ")", ";": ","})
_THOUSANDS = re.compile(r"(?<![\d.])\d{1,3}(?:(?P<sep>[ ,_])\d{3})(?:(?P=sep)\d{3})*(?![\d.])")
_SUFFIX = re.compile(r"(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\s*([kKMG])(?![A-Za-z0-9])")


class AnswerError(StudytuiError):
    """An answer that cannot be read (the message says why, in one line)."""


@dataclass(frozen=True)
class Parsed:
    """What was read: one number, or a tuple of numbers (a shape or a receptive field)."""

    values: tuple  # sympy Rational numbers
    is_tuple: bool

    @property
    def number(self):
        return self.values[0]

    def as_ints(self) -> tuple | None:
        """The values as Python ints, or None if one is not a whole number."""
        if any(not v.is_integer for v in self.values):
            return None
        return tuple(int(v) for v in self.values)

    def __str__(self) -> str:
        shown = [str(v) for v in self.values]
        return "x".join(shown) if self.is_tuple else shown[0]


def parse_answer(text: str, quantity: str) -> Parsed:
    """Parse `text` as the answer to a `quantity` question (shape | rf | params | macs)."""
    if quantity in ("shape", "rf"):
        return Parsed(parse_tuple(text), True)
    return Parsed((parse_number(text),), False)


def _prepare(text: str) -> str:
    if not isinstance(text, str):
        raise AnswerError("the answer must be text")
    if len(text) > MAX_CHARS:
        raise AnswerError(f"the answer is too long ({len(text)} characters, at most {MAX_CHARS})")
    cleaned = text.translate(_TRANSLATE).strip()
    if not cleaned:
        raise AnswerError("empty answer")
    bad = next((ch for ch in cleaned if ch not in _ALLOWED), None)
    if bad is not None:
        raise AnswerError(f"unexpected character {bad!r}: use numbers, + - * / ** ( ) and k/M suffixes")
    return cleaned


def parse_number(text: str):
    """One exact number from arithmetic such as `3*3*3*16 + 16`, `1,234`, `1.2M`, `2e6`."""
    return _to_sympy(_number(_prepare(text)))


def parse_tuple(text: str) -> tuple:
    """A shape or a pair: `32x16x16`, `32 × 16 × 16`, `[32, 16, 16]`, `(32,16,16)`, `7`."""
    cleaned = _prepare(text)
    inner = cleaned
    if inner.startswith("(") and inner.endswith(")") and _balanced(inner[1:-1]):
        inner = inner[1:-1].strip()
    if "x" in inner:
        parts = inner.split("x")
    elif "," in inner:
        parts = inner.split(",")
    else:
        parts = inner.split()
    parts = [p.strip() for p in parts]
    if any(not p for p in parts):
        raise AnswerError("a shape looks like 32x16x16 or [32, 16, 16]; one of its parts is empty")
    if len(parts) > 8:
        raise AnswerError(f"a shape has at most a few dimensions, got {len(parts)}")
    return tuple(_to_sympy(_number(p)) for p in parts)


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _number(cleaned: str) -> Fraction:
    source = _THOUSANDS.sub(lambda m: re.sub(r"[ ,_]", "", m.group(0)), cleaned)
    source = _SUFFIX.sub(lambda m: f"({m.group(1)}*{SUFFIXES[m.group(2)]})", source)
    source = source.replace("^", "**").replace("x", "*")
    if "," in source:
        raise AnswerError("a comma only separates thousands (1,234); for a shape write 32x16x16")
    if re.search(r"\d\s+\d", source):
        raise AnswerError("two numbers with only a space between them: use an operator (+, *) or write 1 234 in groups of three")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        raise AnswerError(f"cannot read {cleaned!r} as a number or arithmetic") from None
    try:
        return _eval(tree.body, source)
    except RecursionError:
        raise AnswerError("the expression is nested too deeply") from None


def _check_size(value: Fraction) -> Fraction:
    if value.numerator.bit_length() > MAX_BITS or value.denominator.bit_length() > MAX_BITS:
        raise AnswerError("that number is far too large to be an answer")
    return value


def _literal(node: ast.Constant, source: str) -> Fraction:
    value = node.value
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise AnswerError("only numbers are allowed")
    if isinstance(value, int):
        return _check_size(Fraction(value))
    text = ast.get_source_segment(source, node) or repr(value)
    try:  # exact: 0.1 means one tenth, not the nearest binary float
        mantissa, _, exponent = text.replace("_", "").lower().partition("e")
        if exponent and abs(int(exponent)) > 200:
            raise AnswerError("that exponent is far too large")
        return _check_size(Fraction(mantissa or "0") * Fraction(10) ** int(exponent or 0))
    except (ValueError, ZeroDivisionError):
        raise AnswerError(f"cannot read the number {text!r}") from None


def _eval(node: ast.AST, source: str) -> Fraction:
    if isinstance(node, ast.Constant):
        return _literal(node, source)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.UAdd, ast.USub)):
        value = _eval(node.operand, source)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        left = _eval(node.left, source)
        right = _eval(node.right, source)
        op = node.op
        if isinstance(op, ast.Add):
            return _check_size(left + right)
        if isinstance(op, ast.Sub):
            return _check_size(left - right)
        if isinstance(op, ast.Mult):
            return _check_size(left * right)
        if isinstance(op, (ast.Div, ast.FloorDiv)):
            if right == 0:
                raise AnswerError("division by zero")
            return _check_size(left / right if isinstance(op, ast.Div) else Fraction(left // right))
        if isinstance(op, ast.Pow):
            return _power(left, right)
    raise AnswerError("only numbers, + - * / // ** and parentheses are allowed")


def _power(base: Fraction, exponent: Fraction) -> Fraction:
    if exponent.denominator != 1:
        raise AnswerError("exponents must be whole numbers")
    e = exponent.numerator
    if abs(e) > MAX_EXPONENT:
        raise AnswerError(f"exponent {e} is too large")
    if base == 0 and e < 0:
        raise AnswerError("division by zero")
    if base not in (0, 1, -1):
        bits = max(abs(base.numerator).bit_length(), base.denominator.bit_length())
        if bits * abs(e) > MAX_BITS + 64:  # decide before computing anything huge
            raise AnswerError("that power is far too large to be an answer")
    return _check_size(base ** e)


def _to_sympy(value: Fraction):
    import sympy

    return sympy.Rational(value.numerator, value.denominator)
