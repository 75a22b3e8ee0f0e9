"""Math in card text (`$...$` spans, LaTeX) rendered as plain Unicode for the terminal.

    to_unicode(r"\\frac{H + 2p - k}{s} + 1")      -> "(H + 2p − k)/s + 1"
    render_math("RF of two convs: $5 \\times 5$")  -> "RF of two convs: 5 × 5"

pylatexenc does the LaTeX -> text work; what is tuned here is what reads badly at 80 columns:
- Fractions are unambiguous: a numerator or denominator that is not one symbol gets parentheses
  (`a/(b + c)`), simple digit fractions become `½`, `¼`, ..., and a fraction followed directly by
  a factor gets a `·` (`∂L/∂x · (1 + …)`, never `1/2(…)`).
- Subscripts are all or nothing within one card: when any subscript is a word (`C_in`, `η_max`:
  tiny Unicode letters are hard to read, and most letters have none) or has no Unicode form
  (`x_b`), every subscript of the card stays plain, so `C_out · Cᵢₙ` never happens; index
  subscripts (`xᵢ`, `rₗ₋₁`, `β₂`) are Unicode otherwise. Plain subscripts that are not one word
  get parentheses (`_(i=l)`).
- Spacing follows the source: `\\mu = 0.9` keeps its space (pylatexenc would eat it), binary
  operators such as `\\times` get a space on both sides, `y\\log p` becomes `y log p`.
Code spans and fenced code blocks are left untouched.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SUP = str.maketrans("0123456789+-=()niTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵀᵏ")
_SUB = str.maketrans("0123456789+-=()aeiklmnopstx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢₖₗₘₙₒₚₛₜₓ")
_SUP_OK = set("0123456789+-=()niTk")
_SUB_OK = set("0123456789+-=()aeiklmnopstx")
_VULGAR = {("1", "2"): "½", ("1", "3"): "⅓", ("2", "3"): "⅔", ("1", "4"): "¼", ("3", "4"): "¾",
           ("1", "5"): "⅕", ("1", "6"): "⅙", ("1", "8"): "⅛", ("3", "8"): "⅜", ("1", "10"): "⅒"}

# Operators that read better with a space on each side.
_SPACED = {
    "times": "×", "cdot": "·", "to": "→", "rightarrow": "→", "leftarrow": "←", "approx": "≈",
    "leq": "≤", "le": "≤", "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "sim": "∼", "in": "∈",
    "mapsto": "↦", "Rightarrow": "⇒", "iff": "⇔", "equiv": "≡", "pm": "±", "propto": "∝",
    "ll": "≪", "gg": "≫", "odot": "⊙", "otimes": "⊗", "oplus": "⊕", "div": "÷",
}
# Operator names written upright; after a factor they need a space ("y log p", not "ylog p").
_FUNCTIONS = ("log", "ln", "exp", "max", "min", "argmax", "argmin", "sin", "cos", "tanh", "det")

# Private-use markers that survive pylatexenc: script braces, fraction bounds, function starts.
_OPEN, _CLOSE = "\x01", "\x02"
_FRAC_START, _FRAC_END, _OPERATOR_END = "\x03", "\x04", "\x06"
_FUNC = "\x05"
_MARKERS = re.compile("[\x01-\x06]")
_FRAC_MARKERS = re.compile("[\x03\x04\x06]")

_MATH_SPAN = re.compile(r"\$\$(.+?)\$\$|\$([^$\n]+?)\$", re.S)
_CODE = re.compile(r"(```.*?```|~~~.*?~~~|`[^`\n]*`)", re.S)

# One symbol: a number, or a letter (maybe with ∂ before it, primes, a hat and scripts after it).
_SCRIPT = r"(?:[_^](?:\x01[^\x01\x02]*\x02|\w))"
_ATOM = re.compile(rf"\d+(?:\.\d+)?|∂?[^\W\d_]\u0302?['′]*{_SCRIPT}*|√\d+|[^\W\d_]+\(.*\)|∂")


def _is_atom(text: str) -> bool:
    return bool(_ATOM.fullmatch(text)) or _wrapped(text)


def _wrapped(text: str) -> bool:
    """True for `(...)` or `√(...)` where the first parenthesis closes at the very end."""
    body = text[1:] if text.startswith("√") else text
    if not (body.startswith("(") and body.endswith(")")):
        return False
    depth = 0
    for i, ch in enumerate(body):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0:
            return i == len(body) - 1
    return False


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

    def frac(node, l2tobj):
        num, den = (re.sub(r"∂\s+", "∂", _FRAC_MARKERS.sub("", l2tobj.nodelist_to_text([arg]))).strip()
                    for arg in node.nodeargd.argnlist[-2:])
        if (num, den) in _VULGAR:  # ½ reads unambiguously before anything: no end marker
            return f"{_FRAC_START}{_VULGAR[num, den]}"
        end = _OPERATOR_END if num == "∂" else _FRAC_END  # d/dx acts on what follows: no "·"
        num = num if _is_atom(num) else f"({num})"
        den = den if _is_atom(den) else f"({den})"
        return f"{_FRAC_START}{num}/{den}{end}"

    def sqrt(node, l2tobj):
        body = l2tobj.nodelist_to_text([node.nodeargd.argnlist[-1]]).strip()
        return f"√{body}" if re.fullmatch(r"\d+|[^\W\d_]", body) else f"√({body})"

    macros = [MacroTextSpec(name, simplify_repl=frac) for name in ("frac", "dfrac", "tfrac")]
    macros += [MacroTextSpec("sqrt", simplify_repl=sqrt)]
    macros += [MacroTextSpec(name, f" {sym} ") for name, sym in _SPACED.items()]
    macros += [MacroTextSpec(name, f"{_FUNC}{name}") for name in _FUNCTIONS]
    macros += [MacroTextSpec("lfloor", "⌊"), MacroTextSpec("rfloor", "⌋"),
               MacroTextSpec("lceil", "⌈"), MacroTextSpec("rceil", "⌉"),
               MacroTextSpec("|", "‖"), MacroTextSpec(",", " "), MacroTextSpec(";", " ")]
    db = get_default_latex_context_db()
    db.add_context_category("studytui", prepend=True, macros=macros)
    # based-on-source: a space written after a macro (`\mu = 0.9`) is kept, as it reads
    return LatexNodes2Text(latex_context=db, math_mode="text", strict_latex_spaces="based-on-source")


@lru_cache(maxsize=2048)
def _to_text(latex: str) -> str:
    """pylatexenc's text, with script groups kept as _\x01...\x02 and the markers in place."""
    # Keep script groups intact for the script pass: pylatexenc drops their braces.
    protected = re.sub(r"([\^_])\{([^{}]+)\}", lambda m: f"{m.group(1)}{_OPEN}{m.group(2)}{_CLOSE}", latex)
    try:
        return _converter().latex_to_text(protected)
    except Exception:  # a malformed formula is shown as written, never a crash
        return protected


_SUB_RE = re.compile(rf"_(?:{_OPEN}([^{_OPEN}{_CLOSE}]+){_CLOSE}|([0-9A-Za-z])(?![A-Za-z0-9]))")
_SUP_RE = re.compile(rf"\^(?:{_OPEN}([^{_OPEN}{_CLOSE}]+){_CLOSE}|([0-9A-Za-z+-]))")


def _plain_only(body: str) -> bool:
    """A subscript that stays plain: a word (`in`, `max`) or one with no all-Unicode form."""
    return bool(re.fullmatch(r"[A-Za-z]{2,}", body)) or not set(body) <= _SUB_OK


def _needs_plain_subscripts(text: str) -> bool:
    """True when some subscript of `text` must stay plain."""
    return any(_plain_only(m.group(1) or m.group(2)) for m in _SUB_RE.finditer(text))


def _scripts(text: str, plain_subscripts: bool) -> str:
    """x^2 -> x², C_{in} -> Cᵢₙ (or C_in when subscripts are plain), x_{i=l} -> x_(i=l)."""

    def sup(m: re.Match) -> str:
        body = m.group(1) or m.group(2)
        if set(body) <= _SUP_OK:
            return body.translate(_SUP)
        return "^" + (body if len(body) == 1 else f"({body})")

    def sub(m: re.Match) -> str:
        body = m.group(1) or m.group(2)
        if not plain_subscripts and not _plain_only(body):
            return body.translate(_SUB)
        return "_" + (body if re.fullmatch(r"\w+", body) else f"({body})")

    return _SUB_RE.sub(sub, _SUP_RE.sub(sup, text))


def _finish(text: str, plain_subscripts: bool) -> str:
    text = _scripts(text, plain_subscripts)
    if _is_formula(text):
        text = text.replace("-", "−")
    # a fraction followed by a factor: "∂L/∂x · (1 + …)", never "1/2(…)" (read as 1/(2(…)))
    text = re.sub(rf"{_FRAC_END}[ \t]*(?=[(\w√∑∏‖])", f"{_FRAC_END} · ", text)
    text = re.sub(rf"{_OPERATOR_END}[ \t]*", " ", text)  # "∂/∂x F", the operator then its operand
    text = re.sub(r"∂[ \t]+(?=\w)", "∂", text)  # "∂L", as written by hand
    text = re.sub(rf"(?<=\d){_FRAC_START}(?=[½⅓⅔¼¾⅕⅙⅛⅜⅒])", "·", text)  # 2·½, not 2½
    text = re.sub(rf"(?<=[\w)′']){_FUNC}", " ", text)  # "y log p", "(x) exp"
    text = _MARKERS.sub("", text)
    text = re.sub(r"\s+([⌋⌉])", r"\1", text)  # "⌊x/s ⌋+ 1" -> "⌊x/s⌋ + 1"
    text = re.sub(r"([⌋⌉])(?=[+−=×·])", r"\1 ", text)
    text = re.sub(r"([(\[⌊⌈]) +", r"\1", text)
    text = re.sub(r" +([)\]])", r"\1", text)
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def to_unicode(latex: str, plain_subscripts: bool | None = None) -> str:
    """One LaTeX math expression as Unicode text (falls back to the source if it cannot parse).

    `plain_subscripts` None decides for this formula alone (plain if any subscript must be).
    """
    text = _to_text(latex)
    if plain_subscripts is None:
        plain_subscripts = _needs_plain_subscripts(text)
    return _finish(text, plain_subscripts)


def _is_formula(text: str) -> bool:
    # A minus sign only where the text is a formula (not a hyphenated word like "pre-act").
    return not re.search(r"[A-Za-z]{2,}-[A-Za-z]", text)


def _escape_markdown(text: str) -> str:
    # Converted math can contain * or _ that Markdown would read as emphasis.
    return re.sub(r"([*_`\\])", r"\\\1", text)


def _outside_code(markdown: str) -> list[str]:
    return _CODE.split(markdown)  # even parts are outside code


def render_math(markdown: str, escape: bool = True, plain_subscripts: bool | None = None) -> str:
    """Replace every `$...$` / `$$...$$` span outside code with its Unicode rendering.

    Subscripts are decided for the whole text (all plain when one must be), unless
    `plain_subscripts` says (a card's front and back pass the same decision).
    """
    parts = _outside_code(markdown)
    if plain_subscripts is None:
        plain_subscripts = needs_plain_subscripts(markdown)

    def math(m: re.Match) -> str:
        if m.group(1) is not None:  # display math: its own line
            out = to_unicode(m.group(1), plain_subscripts)
            return f"\n\n    {out}\n\n" if escape is False else f"\n\n> {_escape_markdown(out)}\n\n"
        out = to_unicode(m.group(2), plain_subscripts)
        return _escape_markdown(out) if escape else out

    for i in range(0, len(parts), 2):
        parts[i] = _MATH_SPAN.sub(math, parts[i])
    return "".join(parts)


def needs_plain_subscripts(*markdowns: str) -> bool:
    """Whether the math of these texts (e.g. a card's front and back) needs plain subscripts."""
    for markdown in markdowns:
        for i, part in enumerate(_outside_code(markdown)):
            if i % 2 == 0:
                for m in _MATH_SPAN.finditer(part):
                    if _needs_plain_subscripts(_to_text(m.group(1) or m.group(2))):
                        return True
    return False
