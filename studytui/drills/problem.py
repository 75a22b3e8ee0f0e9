"""A drill problem, as data: a layer stack, a question about it, and the calculator's answer.

Shapes in `answer` are always in torch's C×H×W order (what `net(x).shape[1:]` prints); `order`
says how the user is asked to write them and `answer_text` is the expected answer written that
way. The text for people (worked solution, torch snippet) is written on first use by the
`Writers` the building module (studytui.drills.problems) hands over, so this module depends on
nothing above it and bulk answer checking does not pay for the text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from studytui.calc import Report
from studytui.errors import StudytuiError

QUANTITIES = ("shape", "params", "rf", "macs")
WHAT = {"shape": "output shape", "params": "number of learnable parameters",
        "rf": "receptive field", "macs": "number of multiply-accumulates (MACs)"}


@dataclass(frozen=True)
class Writers:
    """How a problem's text for people is written: worked steps and a torch snippet."""

    solution: Callable[[Problem], list[str]]
    snippet: Callable[[Problem], str]


@dataclass
class Problem:
    kind: str  # what was asked for: shapes | params | rf | macs | mixed
    family: str  # the family this problem belongs to (differs from kind for mixed)
    level: int
    seed: int
    index: int
    input: tuple[int, ...]
    layers: list[str]
    quantity: str
    layer: int | None  # 0-based row asked about; None: the whole stack
    order: str
    report: Report = field(repr=False)
    model: str | None = None
    stage: str | None = None
    source: str = "generated"  # or "worked:<id>"
    variant: int = 0  # >0: an alternative draw for the same slot, picked to aim at a mistake
    aimed: bool = False  # drawn by aimed_problem toward the student's recurring mistakes
    note: str = ""
    prompt: str = ""
    answer: list[int] | int = 0
    writers: Writers | None = field(default=None, repr=False, compare=False)
    _solution: list[str] | None = field(default=None, repr=False)
    _snippet: str | None = field(default=None, repr=False)

    # The worked steps and the torch snippet are text for people: built on first use, so that
    # checking answers in bulk does not pay for them.
    @property
    def solution(self) -> list[str]:
        if self._solution is None:
            self._solution = self._writers().solution(self)
        return self._solution

    @property
    def snippet(self) -> str:
        if self._snippet is None:
            self._snippet = self._writers().snippet(self)
        return self._snippet

    def _writers(self) -> Writers:
        if self.writers is None:
            raise StudytuiError("this problem was built without writers for its solution text")
        return self.writers

    @property
    def id(self) -> str:
        if self.source.startswith("worked:"):
            return self.source
        slot = f"{self.kind}:{self.level}:{self.seed}:{self.index}"
        return f"{slot}~{self.variant}" if self.variant else slot

    @property
    def card_id(self) -> str:
        return f"drill:{self.family}:{self.level}"

    @property
    def row(self):
        """The report row the question is about (for rf: the last spatial one if the whole stack)."""
        if self.layer is not None:
            return self.report.rows[self.layer]
        if self.quantity == "rf":
            return next(r for r in reversed(self.report.rows) if r.maps is not None)
        return self.report.rows[-1]

    @property
    def answer_text(self) -> str:
        return format_answer(self.quantity, self.answer, self.order)

    def to_json(self) -> dict:
        data = {"id": self.id, "kind": self.kind, "family": self.family, "level": self.level,
                "seed": self.seed, "input": list(self.input), "layers": list(self.layers),
                "ask": {"quantity": self.quantity, "layer": self.layer},
                "order": self.order, "prompt": self.prompt, "answer": self.answer,
                "answer_text": self.answer_text, "solution": list(self.solution),
                "snippet": self.snippet, "card_id": self.card_id, "source": self.source}
        if self.model:
            data["model"], data["stage"] = self.model, self.stage
        if self.note:
            data["note"] = self.note
        return data


def format_answer(quantity: str, answer, order: str = "CxHxW") -> str:
    if quantity == "shape":
        dims = list(answer)
        if order == "HxWxC" and len(dims) == 3:
            dims = [dims[1], dims[2], dims[0]]
        return "x".join(map(str, dims))
    if quantity == "rf":
        return f"{answer[0]}x{answer[1]}"
    return f"{answer:,}"


def compute_answer(report: Report, quantity: str, layer: int | None):
    """The calculator's answer: a list for shape/rf, an int for params/macs."""
    if quantity == "shape":
        return list((report.rows[layer] if layer is not None else report.rows[-1]).output)
    if quantity == "params":
        return report.rows[layer].params if layer is not None else report.params
    if quantity == "macs":
        return report.rows[layer].macs if layer is not None else report.macs
    rf = report.rows[layer].rf if layer is not None else report.rf
    if rf is None:
        raise StudytuiError("the receptive field is asked where the output is no longer spatial")
    return [int(rf[0]), int(rf[1])]
