"""The numeric claims of cards (`check:` blocks), recomputed with the layer calculator.

`studytui check` runs them so a card that claims a wrong number fails with its file:line; the
test suite checks the same claims against real torch layers too (that stays out of here: torch
is slow to import and the calculator is itself verified against torch).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

from studytui.errors import StudytuiError
from studytui.yamlload import YamlFileError, line_of, load_model_and_tree


def computed(check: Any) -> dict[str, Any]:
    """What the calculator says for every quantity the check claims."""
    from studytui.calc import analyze, analyze_model

    report = analyze_model(check.model, check.input) if check.model else analyze(check.input, check.layers)
    row = report.row(check.layer) if check.layer is not None else None
    source = row if row is not None else report
    found = {"output": list(source.output), "params": source.params, "macs": source.macs,
             "rf": None if source.rf is None else list(source.rf),
             "jump": None if source.jump is None else [int(j) for j in source.jump]}
    return {key: found[key] for key, value in check.expect.model_dump().items() if value is not None}


def claim_problems(paths: Iterable[Path]) -> list[str]:
    """`file:line: ...` for every claim the calculator does not confirm (files that do not load
    are left to the deck loader, which reports them)."""
    from studytui.study.deck import Topic

    problems: list[str] = []
    for path in paths:
        try:
            topic, root = load_model_and_tree(Path(path), Topic)
        except (YamlFileError, StudytuiError):
            continue
        for ci, card in enumerate(topic.cards):
            for i, check in enumerate(card.checks):
                keys = ("cards", ci, "check", *((i,) if isinstance(card.check, list) else ()))
                where = f"{path}:{line_of(root, *keys)}: card '{card.id}'"
                try:
                    found = computed(check)
                except (StudytuiError, ValueError, KeyError) as exc:
                    problems.append(f"{where}: its check cannot be computed ({exc})")
                    continue
                claimed = {k: v for k, v in check.expect.model_dump().items() if v is not None}
                for key, want in claimed.items():
                    if found[key] != want:  # pointed at the claim's own line
                        at = f"{path}:{line_of(root, *keys, 'expect', key)}: card '{card.id}'"
                        problems.append(f"{at}: check claims {key} {want}, the calculator says {found[key]}")
    return problems
