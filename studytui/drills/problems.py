"""Build drill problems: the answer, the prompt and the writers of the worked text.

The answer, the worked solution and the torch snippet are all derived from one calculator
report of the stack, so they cannot disagree.
"""

from __future__ import annotations

from functools import lru_cache

from studytui.calc import Report, analyze, fmt_shape, get_model
from studytui.drills.families import FAMILY_OF, WorkedProblem, worked_report
from studytui.drills.problem import Problem, Writers, compute_answer
from studytui.drills.snippet import snippet
from studytui.drills.solution import solution_steps
from studytui.errors import StudytuiError

WRITERS = Writers(solution=solution_steps, snippet=snippet)


def make_problem(*, kind: str, family: str, level: int, seed: int, index: int, report: Report,
                 quantity: str, layer: int | None, order: str = "CxHxW", model: str | None = None,
                 stage: str | None = None, source: str = "generated", note: str = "",
                 prompt: str | None = None) -> Problem:
    problem = Problem(kind=kind, family=family, level=level, seed=seed, index=index,
                      input=tuple(report.input), layers=[r.name if model is None else r.layer.name
                                                         for r in report.rows],
                      quantity=quantity, layer=layer, order=order, report=report, model=model,
                      stage=stage, source=source, note=note, writers=WRITERS)
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


def problem_from_worked(w: WorkedProblem, kind: str | None = None) -> Problem:
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


def problem_from_json(data: dict) -> Problem:
    """Rebuild a problem (and its report) from `to_json` output, e.g. one the TUI stored."""
    try:
        ask = data["ask"]
        if data.get("model"):
            model = get_model(data["model"])
            report = analyze(tuple(data["input"]), model.layers, names=model.names)
        else:
            report = analyze(tuple(data["input"]), list(data["layers"]))
        seed_index, _, variant = str(data.get("id", "")).rsplit(":", 1)[-1].partition("~")
        problem = Problem(kind=data["kind"], family=data.get("family", data["kind"]),
                          level=int(data["level"]), seed=int(data["seed"]),
                          index=int(seed_index) if seed_index.isdigit() else 0,
                          input=tuple(data["input"]), layers=list(data["layers"]),
                          quantity=ask["quantity"], layer=ask["layer"], order=data.get("order", "CxHxW"),
                          report=report, model=data.get("model"), stage=data.get("stage"),
                          source=data.get("source", "generated"), note=data.get("note", ""),
                          variant=int(variant) if variant.isdigit() else 0, writers=WRITERS)
    except (KeyError, TypeError, ValueError) as exc:
        raise StudytuiError(f"not a drill problem: {exc}") from None
    return finish(problem, prompt=data.get("prompt"))
