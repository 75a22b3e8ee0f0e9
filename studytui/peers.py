"""`studytui calc --compare`: the MACs that popular counters report, beside ours, with the reason.

Counting conventions differ, and each difference teaches something: this calculator (like
torch's own FlopCounterMode) counts only the multiply-accumulates of convolutions and linear
layers. torchinfo adds one addition per bias value of each output and counts a norm's γ/β once;
fvcore counts element-wise operations (batch norm, pooling, upsampling) as well. The peers are
optional: when one is not installed, one line says so.
"""

from __future__ import annotations

import importlib.util
import math
import warnings
from dataclasses import dataclass

import torch
import torch.nn as nn

from studytui.calc.blocks import Composite
from studytui.calc.layers import BatchNorm2d, Conv2d, Layer, Linear
from studytui.calc.network import Report, Row
from studytui.calc.norms import GroupNorm, InstanceNorm2d, LayerNorm
from studytui.calc.seq1d import Conv1d
from studytui.twins import twin

PEERS = ("torchinfo", "fvcore")
MAX_VALUES = 50_000_000  # activations a real forward pass may hold (the peers need real tensors)


@dataclass
class PeerRow:
    name: str
    ours: int
    theirs: int
    reason: str


def installed(peer: str) -> bool:
    return importlib.util.find_spec(peer) is not None


def compare_with_peers(report: Report) -> list[str]:
    """Lines for the terminal: per peer, the total and every row where it differs, with why."""
    lines = []
    for peer in PEERS:
        if not installed(peer):
            lines.append(f"{peer}: not installed (pip install {peer}) — nothing to compare")
            continue
        too_big = _too_big(report)
        if too_big:
            lines.append(f"{peer}: not run, {too_big}")
            continue
        rows = TORCHINFO(report) if peer == "torchinfo" else FVCORE(report)
        total = sum(r.theirs for r in rows)
        lines.append(f"{peer}: {total:,} MACs, ours {report.macs:,}"
                     + (" (same)" if total == report.macs else f" (difference {total - report.macs:+,})"))
        for r in rows:
            if r.theirs != r.ours:
                lines.append(f"  {r.name}: {peer} {r.theirs:,}, ours {r.ours:,} — {r.reason}")
    return lines


def _too_big(report: Report) -> str:
    values = max([math.prod(report.input)] + [math.prod(r.output) for r in report.rows])
    if values > MAX_VALUES:
        return f"an activation of {values:,} values is more than the {MAX_VALUES:,} a comparison may build"
    return ""


def _modules(report: Report) -> nn.Module:
    return nn.Sequential(*(twin(row.layer) for row in report.rows)).eval()


def _leaves(layer: Layer) -> list[Layer]:
    if isinstance(layer, Composite):
        return [leaf for child in layer.children() for leaf in _leaves(child)]
    return [layer]


def _torchinfo_rows(report: Report) -> list[PeerRow]:
    import torchinfo  # optional: imported only when installed

    summary = torchinfo.summary(_modules(report), input_size=(1, *report.input), verbose=0, device="cpu")
    top = [s for s in summary.summary_list if s.depth == 1]
    out = []
    for row, info in zip(report.rows, top):
        out.append(PeerRow(row.name, row.macs, _subtree_macs(summary.summary_list, info), _torchinfo_reason(row)))
    return out


def _subtree_macs(summary_list, info) -> int:
    # A container's own `macs` is not the sum of its children in torchinfo: sum its leaves.
    start = summary_list.index(info)
    total = info.macs if info.is_leaf_layer else 0
    for entry in summary_list[start + 1:]:
        if entry.depth <= info.depth:
            break
        if entry.is_leaf_layer:
            total += entry.macs
    return total


def _torchinfo_reason(row: Row) -> str:
    kinds = {type(leaf).__name__ for leaf in _leaves(row.layer)}
    why = []
    if any(isinstance(leaf, (Conv2d, Conv1d, Linear)) and leaf.bias for leaf in _leaves(row.layer)):
        why.append("it adds one bias addition per output value of each conv/linear")
    norms = (BatchNorm2d, GroupNorm, LayerNorm, InstanceNorm2d)
    if any(isinstance(leaf, norms) and leaf.params() for leaf in _leaves(row.layer)):
        why.append("it counts each norm's γ and β once as MACs")
    if not why:
        why.append(f"its own rule for {', '.join(sorted(kinds))}")
    return "; ".join(why) + " (we count conv/linear multiply-accumulates only, like FlopCounterMode)"


def _fvcore_rows(report: Report) -> list[PeerRow]:
    from fvcore.nn import FlopCountAnalysis  # optional: imported only when installed

    model = _modules(report)
    with warnings.catch_warnings():  # fvcore traces with torch.jit, which warns about itself
        warnings.simplefilter("ignore")
        analysis = FlopCountAnalysis(model, torch.zeros((1, *report.input)))
        analysis.unsupported_ops_warnings(False).uncalled_modules_warnings(False)
        by_module, by_module_op = analysis.by_module(), analysis.by_module_and_operator()
    out = []
    for i, row in enumerate(report.rows):
        ops = by_module_op.get(str(i), {})
        extra = sorted(op for op, n in ops.items() if n and op not in ("conv", "linear", "addmm", "matmul", "einsum"))
        reason = (f"it also counts the element-wise work of {', '.join(extra)}" if extra
                  else "a different rule for its layers")
        out.append(PeerRow(row.name, row.macs, int(by_module.get(str(i), 0)), reason))
    return out


TORCHINFO = _torchinfo_rows
FVCORE = _fvcore_rows
