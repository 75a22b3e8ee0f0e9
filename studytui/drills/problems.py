"""A drill problem: a layer stack, a question about it, and the calculator's answer.

The answer, the worked solution and the torch snippet are all derived from one calculator
report of the stack, so they cannot disagree. Shapes in `answer` are always in torch's C×H×W
order (what `net(x).shape[1:]` prints); `order` says how the user is asked to write them and
`answer_text` is the expected answer written that way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from studytui.calc import analyze, fmt_shape, get_model, parse_shape
from studytui.errors import StudytuiError

if TYPE_CHECKING:
    from studytui.calc import Report
    from studytui.drills.families import WorkedProblem

QUANTITIES = ("shape", "params", "rf", "macs")
WHAT = {"shape": "output shape", "params": "number of learnable parameters",
        "rf": "receptive field", "macs": "number of multiply-accumulates (MACs)"}


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
    report: "Report" = field(repr=False)
    model: str | None = None
    stage: str | None = None
    source: str = "generated"  # or "worked:<id>"
    note: str = ""
    prompt: str = ""
    answer: list[int] | int = 0
    _solution: list[str] | None = field(default=None, repr=False)
    _snippet: str | None = field(default=None, repr=False)

    # The worked steps and the torch snippet are text for people: built on first use, so that
    # checking answers in bulk does not pay for them.
    @property
    def solution(self) -> list[str]:
        if self._solution is None:
            from studytui.drills.solution import solution_steps

            self._solution = solution_steps(self)
        return self._solution

    @property
    def snippet(self) -> str:
        if self._snippet is None:
            from studytui.drills.snippet import snippet

            self._snippet = snippet(self)
        return self._snippet

    @property
    def id(self) -> str:
        if self.source.startswith("worked:"):
            return self.source
        return f"{self.kind}:{self.level}:{self.seed}:{self.index}"

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

    @classmethod
    def from_json(cls, data: dict) -> "Problem":
        """Rebuild a problem (and its report) from `to_json` output, e.g. one the TUI stored."""
        try:
            ask = data["ask"]
            if data.get("model"):
                model = get_model(data["model"])
                report = analyze(tuple(data["input"]), model.layers, names=model.names)
            else:
                report = analyze(tuple(data["input"]), list(data["layers"]))
            seed_index = str(data.get("id", "")).rsplit(":", 1)[-1]
            problem = cls(kind=data["kind"], family=data.get("family", data["kind"]), level=int(data["level"]),
                          seed=int(data["seed"]), index=int(seed_index) if seed_index.isdigit() else 0,
                          input=tuple(data["input"]), layers=list(data["layers"]),
                          quantity=ask["quantity"], layer=ask["layer"], order=data.get("order", "CxHxW"),
                          report=report, model=data.get("model"), stage=data.get("stage"),
                          source=data.get("source", "generated"), note=data.get("note", ""))
        except (KeyError, TypeError, ValueError) as exc:
            raise StudytuiError(f"not a drill problem: {exc}") from None
        return finish(problem, prompt=data.get("prompt"))


def format_answer(quantity: str, answer, order: str = "CxHxW") -> str:
    if quantity == "shape":
        dims = list(answer)
        if order == "HxWxC" and len(dims) == 3:
            dims = [dims[1], dims[2], dims[0]]
        return "x".join(map(str, dims))
    if quantity == "rf":
        return f"{answer[0]}x{answer[1]}"
    return f"{answer:,}"


def compute_answer(report: "Report", quantity: str, layer: int | None):
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


def make_problem(*, kind: str, family: str, level: int, seed: int, index: int, report: "Report",
                 quantity: str, layer: int | None, order: str = "CxHxW", model: str | None = None,
                 stage: str | None = None, source: str = "generated", note: str = "",
                 prompt: str | None = None) -> Problem:
    problem = Problem(kind=kind, family=family, level=level, seed=seed, index=index,
                      input=tuple(report.input), layers=[r.name if model is None else r.layer.name
                                                         for r in report.rows],
                      quantity=quantity, layer=layer, order=order, report=report, model=model,
                      stage=stage, source=source, note=note)
    return finish(problem, prompt)


def finish(problem: Problem, prompt: str | None = None) -> Problem:
    """Fill in the answer and the prompt from the report (solution and snippet follow on use)."""
    problem.answer = compute_answer(problem.report, problem.quantity, problem.layer)
    problem.prompt = prompt or write_prompt(problem)
    return problem


def _shape_text(shape: tuple[int, ...]) -> str:
    return fmt_shape(shape)


@lru_cache(maxsize=None)
def _about(model: str) -> str:
    return get_model(model).about  # building a model's layers is slow: once per name


def write_prompt(p: Problem) -> str:
    if p.model:
        about = _about(p.model)
        head = f"{about} on a {_shape_text(p.input)} input (C×H×W)."
        target = f"its stage {p.stage}"
    else:
        lines = [f"  {i + 1}. {name}" for i, name in enumerate(p.layers)]
        one = len(p.layers) == 1
        head = (f"Input {_shape_text(p.input)} (C×H×W, batch left out) goes through "
                + ("one layer:\n" if one else "these layers:\n") + "\n".join(lines))
        if p.layer is None or one:
            target = "that layer" if one else "the whole stack"
        else:
            target = f"layer {p.layer + 1} ({p.layers[p.layer]})"
    q = p.quantity
    if q == "shape":
        out = p.report.rows[p.layer if p.layer is not None else -1].output
        if len(out) == 1:
            ask = f"What is the output shape of {target}? (It is flat: give the number of features.)"
        else:
            order = "H×W×C (channels last)" if p.order == "HxWxC" else "C×H×W"
            ask = f"What is the output shape of {target}? Answer as {order}."
    elif q == "params":
        ask = f"How many learnable parameters does {target} have?"
    elif q == "macs":
        ask = (f"How many multiply-accumulates (MACs) does {target} compute for one image? "
               "(Count conv and linear layers; 1 MAC = 2 FLOPs.)")
    else:
        where = "after " + target if p.layer is not None and len(p.layers) > 1 else "at the output of " + target
        ask = (f"What is the receptive field of one unit {where}, in input pixels? "
               "Answer as height×width (or one number if square).")
    return f"{head}\n{ask}"


def worked_report(w: "WorkedProblem") -> "Report":
    if w.model:
        model = get_model(w.model)
        shape = parse_shape(w.input) if w.input is not None else model.input
        return analyze(shape, model.layers, names=model.names)
    if w.input is None:
        raise StudytuiError("a worked problem with layers needs an input shape")
    return analyze(parse_shape(w.input), list(w.layers))


def problem_from_worked(w: "WorkedProblem", kind: str | None = None) -> Problem:
    from studytui.drills.families import FAMILY_OF

    report = worked_report(w)
    layer = w.ask.layer
    stage = None
    if isinstance(layer, str):
        stage = layer
        layer = report.row(layer).index
    family = FAMILY_OF[w.ask.quantity]
    return make_problem(kind=kind or family, family=family, level=w.level, seed=0, index=0,
                        report=report, quantity=w.ask.quantity, layer=layer, order=w.order,
                        model=w.model, stage=stage, source=f"worked:{w.id}", note=w.note.strip(),
                        prompt=w.prompt.strip())
