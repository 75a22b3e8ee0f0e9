"""Worked solutions: the formula of each step with the problem's numbers plugged in.

The per-layer lines come from `Layer.explain` (the calculator's own definition of the layer);
the running totals and receptive fields come from the report rows. Nothing is recomputed here
except the text of the receptive-field recursion, whose result is always the calculator's.
"""

from __future__ import annotations

from fractions import Fraction

from studytui.calc import fmt_shape
from studytui.calc.layers import BatchNorm2d, Conv2d, Dropout, _Pointwise, _Pool
from studytui.drills.problem import Problem
from studytui.drills.walk import main_path


def solution_steps(p: Problem) -> list[str]:
    rows = p.report.rows
    if p.quantity == "shape":
        return _shape_steps(p, rows)
    if p.quantity in ("params", "macs"):
        return _count_steps(p, rows)
    return _rf_steps(p, rows)


def _label(row) -> str:
    return f"layer {row.index + 1} {row.name}"


def _shape_steps(p: Problem, rows) -> list[str]:
    last = p.layer if p.layer is not None else len(rows) - 1
    steps = []
    for row in rows[: last + 1]:
        if row.output == row.input and not row.layer.children():
            steps.append(f"{_label(row)}: keeps {fmt_shape(row.output)}")
            continue
        steps.append(f"{_label(row)}: {fmt_shape(row.input)} → {fmt_shape(row.output)}")
        steps += ["    " + s for s in row.layer.explain(row.input)["shape"]]
    answer = rows[last].output
    if p.order == "HxWxC" and len(answer) == 3:
        steps.append(f"torch gives C×H×W = {fmt_shape(answer)}; written H×W×C (channels last) that is "
                     f"{answer[1]}x{answer[2]}x{answer[0]}")
    else:
        steps.append(f"answer: {fmt_shape(answer)}")
    return steps


def _count_steps(p: Problem, rows) -> list[str]:
    q = p.quantity
    chosen = [rows[p.layer]] if p.layer is not None else rows
    steps, terms = [], []
    for row in chosen:
        value = row.params if q == "params" else row.macs
        if p.layer is None and value == 0:
            continue
        lines = row.layer.explain(row.input)[q]
        steps.append(f"{_label(row)}: {value:,}")
        steps += ["    " + s for s in lines]
        terms.append(value)
    if p.layer is None:
        skipped = len(rows) - len(terms)
        if skipped:
            steps.append(f"the other {skipped} layer(s) have no {'parameters' if q == 'params' else 'MACs'}")
        total = sum(terms)
        if len(terms) > 1:
            steps.append("total = " + " + ".join(f"{t:,}" for t in terms) + f" = {total:,}")
        elif len(rows) > 1:
            steps.append(f"total = {total:,}")
    if q == "macs":
        steps.append(f"(in FLOPs that is 2 × {p.answer:,} = {2 * p.answer:,})")
    return steps


def _window(layer):
    """(k, s, d) per axis for a plain window layer (conv or pool), else None."""
    if isinstance(layer, (Conv2d, _Pool)):
        return tuple((layer._k[a], layer._s[a], layer._d[a]) for a in (0, 1))
    return None


def _keeps_rf(layer) -> bool:
    return isinstance(layer, (_Pointwise, Dropout, BatchNorm2d))


def _num(x: Fraction) -> str:
    return str(x.numerator) if x.denominator == 1 else f"{x.numerator}/{x.denominator}"


def _leaf_chain(layer, r, j):
    """The recursion through the plain layers of a block's main path (height axis only when
    both axes agree). Returns (texts, (r, jump)) or None when a layer is not a plain window."""
    texts = []
    r, j = list(r), list(j)
    for leaf in main_path(layer):
        win = _window(leaf)
        if win is None:
            if _keeps_rf(leaf):
                continue
            return None
        (k, s, d), _ = win
        if win[0] != win[1] or r[0] != r[1] or j[0] != j[1]:
            return None
        new_r, new_j = r[0] + (k - 1) * d * j[0], j[0] * s
        if k > 1 or s > 1:
            texts.append(f"{type(leaf).__name__} k={k}{f' d={d}' if d > 1 else ''} s={s}: "
                         f"r = {r[0]} + ({k}−1){f'·{d}' if d > 1 else ''}·{_num(j[0])} = {new_r}, jump = {_num(new_j)}")
        r, j = [new_r, new_r], [new_j, new_j]
    if not texts:
        return None
    return texts, ((int(r[0]), int(r[1])), (Fraction(j[0]), Fraction(j[1])))


def _rf_steps(p: Problem, rows) -> list[str]:
    target = p.row
    steps = ["start: r = 1 (one input pixel), jump = 1; a window layer adds (k−1)·d·jump and "
             "multiplies jump by its stride"]
    prev_r, prev_j = (1, 1), (Fraction(1), Fraction(1))
    for row in rows[: target.index + 1]:
        if row.rf is None:
            steps.append(f"{_label(row)}: not spatial any more")
            break
        r, j = row.rf, row.jump
        win = _window(row.layer)
        if (r, j) == (prev_r, prev_j):
            steps.append(f"{_label(row)}: r and jump unchanged ({r[0]}x{r[1]})")
        elif win is not None:
            parts = []
            for axis, (k, s, d) in enumerate(win):
                dil = f"·{d}" if d > 1 else ""
                text = (f"r = {prev_r[axis]} + ({k}−1){dil}·{_num(prev_j[axis])} = {r[axis]}, "
                        f"jump = {_num(prev_j[axis])}·{s} = {_num(j[axis])}")
                parts.append(text)
            if parts[0] == parts[1]:
                steps.append(f"{_label(row)}: {parts[0]}")
            else:
                steps.append(f"{_label(row)}: height {parts[0]}; width {parts[1]}")
        elif (chain := _leaf_chain(row.layer, prev_r, prev_j)) and chain[1] == (r, j):
            steps.append(f"{_label(row)}: along its main path " + "; ".join(chain[0])
                         + " (the shortcut reads a smaller window, so the main path sets the block's field)")
        else:
            how = row.layer.explain(row.input)["rf"][0]
            steps.append(f"{_label(row)}: r = {r[0]}x{r[1]}, jump = {_num(j[0])}x{_num(j[1])} ({how})")
        prev_r, prev_j = r, j
    rf = p.answer
    steps.append(f"answer: {rf[0]}x{rf[1]}" + (f" (square: {rf[0]})" if rf[0] == rf[1] else ""))
    return steps
