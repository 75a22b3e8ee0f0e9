"""The answer parser: what it accepts, and that it is safe and fast on anything."""

from __future__ import annotations

import os
import time

import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from studytui.drills.answers import AnswerError, parse_answer, parse_number, parse_tuple


@pytest.mark.parametrize("text, value", [
    ("448", 448), ("3*3*3*16 + 16", 448), ("3x3x3x16+16", 448), ("3·3·3·16 + 16", 448),
    ("1,234", 1234), ("1 234", 1234), ("1_234", 1234), ("12,345,678", 12345678),
    ("1.2M", 1_200_000), ("11.2 M", 11_200_000), ("4k", 4000), ("2e6", 2_000_000), ("1.5e3", 1500),
    ("2**10", 1024), ("2^10", 1024), ("(64 - 3 + 2) // 2 + 1", 32), ("7/2", sympy.Rational(7, 2)),
    ("-5", -5), ("  42  ", 42), ("0.1", sympy.Rational(1, 10)),
])
def test_numbers(text, value):
    got = parse_number(text)
    assert got == value
    assert isinstance(got, sympy.Rational)


@pytest.mark.parametrize("text", ["32x16x16", "32 × 16 × 16", "[32, 16, 16]", "(32,16,16)", "32 16 16",
                                  "32X16X16", "(32, 8*2, 16)"])
def test_shapes(text):
    assert parse_tuple(text) == (32, 16, 16)


@pytest.mark.parametrize("text", [
    "", "   ", "abc", "__import__('os').system('touch /tmp/pwned')", "1,23", "9**9**9", "10**10000",
    "1e999", "1/0", "2**-10000", "x" * 500, "lambda: 1", "[1, 2", "1 +", "16 16", "()", "1..2",
    "open('f')", "().__class__", "1 if 1 else 2", "a.b",
])
def test_rejected_with_own_error(text):
    with pytest.raises(AnswerError):
        parse_number(text)


def test_code_is_never_executed(tmp_path):
    target = tmp_path / "pwned"
    for text in [f"__import__('os').system('touch {target}')",
                 f"exec(\"open('{target}', 'w')\")", f"[open('{target}','w')]"]:
        for quantity in ("params", "shape"):
            with pytest.raises(AnswerError):
                parse_answer(text, quantity)
    assert not target.exists()
    assert not os.path.exists("/tmp/pwned")


def test_huge_numbers_are_rejected_fast():
    start = time.perf_counter()
    for text in ["9**9**9", "99999999**99999999", "(10**100)**(10**100)", "2**512*2**512*2**512",
                 "9" * 199, "((((((((((((((((((((1))))))))))))))))))))" * 4]:
        with pytest.raises(AnswerError):
            parse_number(text)
    assert time.perf_counter() - start < 0.5


answer_chars = st.lists(st.sampled_from(list("0123456789 +-*/().,_eEkKMG^x×·[]−abc'\"_") + ["**", "//", "9**9"]),
                        max_size=60).map("".join)


@settings(max_examples=600, deadline=None)
@given(text=st.one_of(answer_chars, st.text(max_size=60)))
def test_fuzz_only_own_errors_and_fast(text):
    for quantity in ("params", "shape", "rf"):
        start = time.perf_counter()
        try:
            parsed = parse_answer(text, quantity)
        except AnswerError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert all(isinstance(v, sympy.Rational) for v in parsed.values)
        assert time.perf_counter() - start < 0.05


def test_max_time_over_many_inputs():
    import random

    rng = random.Random(5)
    pieces = ["9", "99", "**", "*", "+", "(", ")", "1e9", "k", "M", ",", " ", "x", "7", "//", "-"]
    worst = 0.0
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 40)))
        start = time.perf_counter()
        try:
            parse_answer(text, rng.choice(["params", "shape"]))
        except AnswerError:
            pass
        worst = max(worst, time.perf_counter() - start)
    assert worst < 0.05
