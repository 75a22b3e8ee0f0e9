"""Math in card text (`$...$` spans, LaTeX) rendered as plain Unicode for the terminal.

    to_unicode(r"\\frac{H + 2p - k}{s} + 1")      -> "(H + 2p − k)/s + 1"
    render_math("RF of two convs: $5 \\times 5$")  -> "RF of two convs: 5 × 5"

pylatexenc does the LaTeX -> text work. Two things are tuned here because its defaults read badly
in a terminal: `\\frac` keeps its parentheses (its default drops them, so (a+b)/c became a+b/c),
and binary operators keep a space on both sides. Simple super/subscripts become Unicode ones.
Code spans and fenced code blocks are left untouched.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SUP = str.maketrans("0123456789+-=()niTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵏ")
_SUB = str.maketrans("0123456789+-=()aeiklmnopstx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢₖₗₘₙₒₚₛₜₓ")
_SUP_OK = set("0123456789+-=()niTk")
_SUB_OK = set("0123456789+-=()aeiklmnopstx")

# Operators that read better with a space on each side (pylatexenc eats the space after a macro).
_SPACED = {
    "times": "×", "cdot": "·", "to": "→", "rightarrow": "→", "leftarrow": "←", "approx": "≈",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "sim": "∼", "in": "∈",
    "mapsto": "↦", "Rightarrow": "⇒", "iff": "⇔", "equiv": "≡", "pm": "±", "propto": "∝",
    "ll": "≪", "gg": "≫", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "div": "÷",
}

_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)


def _needs_parens(text: str) -> bool:
    return len(text) > 1 and not re.fullmatch(r"[\w.]+|\(.*\)|√\(.*\)", text)


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def frac(node, l2tobj):
        num, den = (l2tobj.nodelist_to_text([arg]).strip() for arg in node.nodeargd.argnlist[-2:])
        num = f"({num})" if _needs_parens(num) else num
        den = f"({den})" if _needs_parens(den) else den
        return f"{num}/{den}"

    macros = [MacroTextSpec(name, simplify_repl=frac) for name in ("frac", "dfrac", "tfrac")]
    macros += [MacroTextSpec(name, f" {sym} ") for name, sym in _SPACED.items()]
    macros += [MacroTextSpec("lfloor", "⌊"), MacroTextSpec("rfloor", "⌋"),
               MacroTextSpec("lceil", "⌈"), MacroTextSpec("rceil", "⌉")]
    db = get_default_latex_context_db()
    db.add_context_category("studytui", prepend=True, macros=macros)
    return LatexNodes2Text(latex_context=db, math_mode="text")


def _scripts(text: str) -> str:
    """x^2 -> x², x^{-3} -> x⁻³, C_{in} -> Cᵢₙ when every character has a Unicode form."""

    def sup(m: re.Match) -> str:
        body = m.group(1) or m.group(2)
        if set(body) <= _SUP_OK:
            return body.translate(_SUP)
        return "^" + (body if len(body) == 1 else f"({body})")

    def sub(m: re.Match) -> str:
        body = m.group(1) or m.group(2)
        return body.translate(_SUB) if set(body) <= _SUB_OK else "_" + body

    text = re.sub(r"\^\{([^{}]+)\}|\^([0-9A-Za-z+-])", sup, text)
    return re.sub(r"_\{([^{}]+)\}|_([0-9A-Za-z])(?![A-Za-z0-9])", sub, text)


@lru_cache(maxsize=2048)
def to_unicode(latex: str) -> str:
    """One LaTeX math expression as Unicode text (falls back to the source if it cannot parse)."""
    # Keep script groups intact for _scripts: pylatexenc drops their braces.
    protected = re.sub(r"([\^_])\{([^{}]+)\}", lambda m: f"{m.group(1)}\x01{m.group(2)}\x02", latex)
    try:
        text = _converter().latex_to_text(protected)
    except Exception:  # a malformed formula is shown as written, never a crash
        text = protected
    text = text.replace("\x01", "{").replace("\x02", "}")
    text = _scripts(text).replace("-", "−") if _is_formula(text) else _scripts(text)
    text = re.sub(r"\s+([⌋⌉])", r"\1", text)  # "⌊x/s ⌋+ 1" -> "⌊x/s⌋ + 1"
    text = re.sub(r"([⌋⌉])(?=[+−=×·])", r"\1 ", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def _is_formula(text: str) -> bool:
    # A minus sign only where the text is a formula (not a hyphenated word like "pre-act").
    return not re.search(r"[A-Za-z]{2,}-[A-Za-z]", text)


def _escape_markdown(text: str) -> str:
    # Converted math can contain * or _ that Markdown would read as emphasis.
    return re.sub(r"([*_`\\])", r"\\\1", text)


def render_math(markdown: str, escape: bool = True) -> str:
    """Replace every `$...$` / `$$...$$` span outside code with its Unicode rendering."""

    def math(m: re.Match) -> str:
        if m.group(1) is not None:  # display math: its own line
            out = to_unicode(m.group(1))
            return f"\n\n    {out}\n\n" if escape is False else f"\n\n> {_escape_markdown(out)}\n\n"
        out = to_unicode(m.group(2))
        return _escape_markdown(out) if escape else out

    parts = _CODE.split(markdown)
    for i in range(0, len(parts), 2):  # even parts are outside code
        parts[i] = _MATH_SPAN.sub(math, parts[i])
    return "".join(parts)
