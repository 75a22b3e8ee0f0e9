"""The "show me in torch" snippets run and print exactly the problem's answer."""

from __future__ import annotations

import ast
import contextlib
import io

import pytest

from studytui.drills import generate, worked_problems

pytest.importorskip("torch")


def run_snippet(code: str):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "<snippet>", "exec"), {"__name__": "__snippet__"})
    return ast.literal_eval(out.getvalue().strip().splitlines()[-1])


def sample():
    problems = []
    for kind in ("shapes", "params", "rf", "macs"):
        for level in (1, 2, 3):
            problems += [p for p in generate(kind, level, seed=11, count=8) if not p.model]
    return problems


@pytest.mark.parametrize("p", sample(), ids=lambda p: p.id)
def test_generated_snippet_prints_the_answer(p):
    assert run_snippet(p.snippet) == p.answer, p.snippet


SMALL_MODELS = ("resnet18-cifar", "resnet9", "cnn-cifar", "resnet18")
CIFAR_MODELS = ("resnet18-cifar", "resnet9", "cnn-cifar")


HEAVY = ("worked:dense-256px-hidden-1000-params",)  # a 786 MB Linear: too slow to build in a test


@pytest.mark.parametrize("p", [w for w in worked_problems("mixed")
                               if w.model in (None, *SMALL_MODELS) and w.id not in HEAVY],
                         ids=lambda p: p.id)
def test_worked_snippet_prints_the_answer(p):
    assert run_snippet(p.snippet) == p.answer, p.snippet


def test_model_stage_snippets():
    seen = 0
    for kind in ("shapes", "params", "macs"):
        for p in generate(kind, 3, seed=4, count=400):
            if p.model in CIFAR_MODELS and seen < 4:
                assert run_snippet(p.snippet) == p.answer, p.snippet
                seen += 1
    assert seen >= 3
