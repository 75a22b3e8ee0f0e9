"""LaTeX in card text becomes readable Unicode; code is left alone."""

from __future__ import annotations

import pytest

from studytui.tui.mathtext import render_math, to_unicode


@pytest.mark.parametrize("latex, text", [
    (r"5 \times 5", "5 × 5"),
    (r"\frac{n + 2p - k}{s} + 1", "(n + 2p − k)/s + 1"),  # the fraction keeps its parentheses
    (r"\lfloor \frac{H + 2p - k}{s} \rfloor + 1", "⌊(H + 2p − k)/s⌋ + 1"),
    (r"k^2 C_{in}", "k² Cᵢₙ"),
    (r"10^{-3}", "10⁻³"),
    (r"C_{out}", "C_out"),  # no Unicode subscript for every letter: plain, without braces
    (r"\mathcal{F}(x) + x", "ℱ(x) + x"),
    (r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}", "x̂ = (x − μ)/√(σ² + ϵ)"),
    (r"\frac{1}{2}", "1/2"),
])
def test_to_unicode(latex, text):
    assert to_unicode(latex) == text


def test_malformed_latex_does_not_raise():
    assert to_unicode(r"\frac{a}{") == "a/"


def test_render_math_leaves_code_alone_and_escapes_markdown():
    md = "RF $5 \\times 5$, code `$HOME` and\n```\n$x$\n```\nand $a_i * b$"
    out = render_math(md)
    assert "RF 5 × 5" in out
    assert "`$HOME`" in out and "```\n$x$\n```" in out
    assert "aᵢ \\* b" in out  # a * from math must not start Markdown emphasis
