"""LaTeX in card text becomes readable Unicode; code is left alone."""

from __future__ import annotations

import pytest

from studytui.tui.mathtext import needs_plain_subscripts, render_math, to_unicode


@pytest.mark.parametrize("latex, text", [
    (r"5 \times 5", "5 × 5"),
    (r"\frac{n + 2p - k}{s} + 1", "(n + 2p − k)/s + 1"),  # the fraction keeps its parentheses
    (r"\lfloor \frac{H + 2p - k}{s} \rfloor + 1", "⌊(H + 2p − k)/s⌋ + 1"),
    (r"k^2 C_{in}", "k² C_in"),  # a word subscript stays plain: tiny ᵢₙ is hard to read
    (r"r_{l-1} + (k_l - 1) j_{l-1}", "rₗ₋₁ + (kₗ − 1) jₗ₋₁"),  # index subscripts are Unicode
    (r"10^{-3}", "10⁻³"),
    (r"C_{out}", "C_out"),  # no Unicode subscript for every letter: plain, without braces
    (r"\mathcal{F}(x) + x", "ℱ(x) + x"),
    (r"\hat{x} = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}", "x̂ = (x − μ)/√(σ² + ϵ)"),
    (r"\sqrt{2}", "√2"),
    (r"\|w\|^2", "‖w‖²"),
])
def test_to_unicode(latex, text):
    assert to_unicode(latex) == text


# The rendering rows of the deck review (reviews/deck-review.md, "polish"), one per glitch.
@pytest.mark.parametrize("latex, text", [
    # half-converted subscripts: all plain once one of them has no Unicode form
    (r"H_{out} W_{out} \cdot C_{out} \cdot C_{in} K^2", "H_out W_out · C_out · C_in K²"),
    (r"\frac{2}{n_{in} + n_{out}}", "2/(n_in + n_out)"),
    (r"x_{mix} = \lambda x_a + (1-\lambda) x_b", "x_mix = λ x_a + (1−λ) x_b"),
    # ... and all Unicode when each of them has one
    (r"\sum_{i=1}^{n} x_i", "∑ᵢ₌₁ⁿ xᵢ"),
    # the space after a Greek macro is kept
    (r"\mu = 0.9", "μ = 0.9"),
    (r"\theta \leftarrow \theta - \eta v", "θ ← θ − η v"),
    (r"\epsilon = 10^{-8}", "ϵ = 10⁻⁸"),
    (r"b' = \beta + s (b - \mu)", "b' = β + s (b − μ)"),
    (r"s = \gamma / \sqrt{\sigma^2 + \epsilon}", "s = γ / √(σ² + ϵ)"),
    (r"\eta / (1-\beta)", "η / (1−β)"),
    # unambiguous fractions
    (r"\frac{a}{b+c}", "a/(b+c)"),
    (r"\frac{a}{bc}", "a/(bc)"),
    (r"\frac12", "½"),
    (r"\frac{1}{2}(\eta_{max} - \eta_{min})", "½(η_max − η_min)"),
    (r"2\frac{1}{2}", "2·½"),  # not the mixed number 2½
    (r"\frac{1}{n}\sum_i x_i", "1/n · ∑ᵢ xᵢ"),
    (r"\frac{\frac{a}{b}}{c}", "(a/b)/c"),
    # the residual gradient and its sum with limits
    (r"\frac{\partial L}{\partial x_l} = \frac{\partial L}{\partial x_L}"
     r"\left(1 + \frac{\partial}{\partial x_l}\sum_{i=l}^{L-1} F_i\right)",
     "∂L/∂x_l = ∂L/∂x_L · (1 + ∂/∂x_l ∑_(i=l)^(L−1) F_i)"),
    # an operator name keeps its space after a factor
    (r"-(y\log(p) + (1-y)\log(1-p))", "−(y log(p) + (1−y) log(1−p))"),
    (r"y\,\log p", "y log p"),
])
def test_review_glitches_are_gone(latex, text):
    assert to_unicode(latex) == text


def test_subscripts_are_decided_for_the_whole_card():
    # x_i alone would become xᵢ; in a card that also has C_in every subscript stays plain
    card = "Sum $\\sum_i x_i$ over $C_{in}$ channels."
    assert needs_plain_subscripts(card)
    assert render_math(card, escape=False) == "Sum ∑_i x_i over C_in channels."
    assert not needs_plain_subscripts("Only $x_i$ and $r_{l-1}$ here.")
    assert render_math("Only $x_i$ and $r_{l-1}$ here.", escape=False) == "Only xᵢ and rₗ₋₁ here."
    # a front and back rendered with one decision agree with each other
    assert render_math("$x_i$", escape=False, plain_subscripts=True) == "x_i"


def test_malformed_latex_does_not_raise():
    assert to_unicode(r"\frac{a}{").startswith("a/")
    assert to_unicode("x_{").startswith("x_")


def test_render_math_leaves_code_alone_and_escapes_markdown():
    md = "RF $5 \\times 5$, code `$HOME` and\n```\n$x$\n```\nand $a_i * b$"
    out = render_math(md)
    assert "RF 5 × 5" in out
    assert "`$HOME`" in out and "```\n$x$\n```" in out
    assert "aᵢ \\* b" in out  # a * from math must not start Markdown emphasis
