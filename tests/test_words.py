"""Plurals and ellipses, as every screen and command words them."""

from studytui.words import fit, plural


def test_plural():
    assert [plural(n, "topic") for n in (0, 1, 2)] == ["0 topics", "1 topic", "2 topics"]
    assert plural(1, "query", "queries") == "1 query" and plural(3, "query", "queries") == "3 queries"
    assert plural(100_651, "card") == "100,651 cards"  # an imported deck: thousands are grouped


def test_fit_cuts_with_an_ellipsis_only_when_too_long():
    assert fit("Residual networks", 40) == "Residual networks"
    cut = fit("Convolution and pooling: shapes, padding, stride", 20)
    assert len(cut) <= 20 and cut.endswith("…") and cut.startswith("Convolution and")
