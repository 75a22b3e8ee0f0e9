"""Score the importer on the sample corpus: each `NAME.*` notes file has `NAME.expected.yaml`.

expected.yaml: `cards:` (each `q`, optional `a`: substrings the answer must hold, `lacks`:
substrings it must not hold, `type`) and `skipped:` (each `line`, `why`). A produced card is
correct when its question matches an expected one (same matching key) and its answer checks pass.
recall = correct / expected cards; precision = correct / produced cards; silent drops = expected
cards neither produced nor listed in `skipped`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CORPUS = Path(__file__).resolve().parent


@dataclass
class Score:
    name: str
    expected: int = 0
    produced: int = 0
    correct: int = 0
    skipped_ok: bool = True
    problems: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.correct / self.expected if self.expected else 1.0

    @property
    def precision(self) -> float:
        return self.correct / self.produced if self.produced else 1.0


def samples() -> list[tuple[str, Path, Path]]:
    out = []
    for exp in sorted(CORPUS.glob("*.expected.yaml")):
        name = exp.name[: -len(".expected.yaml")]
        notes = [p for p in CORPUS.iterdir() if p.stem == name and p.suffix not in (".yaml", ".py")]
        out.append((name, notes[0] if notes else CORPUS / f"{name}.apkg", exp))
    return out


def score(name: str, notes: Path, expected: Path, result) -> Score:
    from studytui.study.importing.text import matching_key

    spec = yaml.safe_load(expected.read_text(encoding="utf-8"))
    s = Score(name, expected=len(spec["cards"]), produced=len(result.cards))
    got = {matching_key(c.question): c for c in result.cards}
    for want in spec["cards"]:
        card = got.get(matching_key(want["q"]))
        if card is None:
            s.problems.append(f"missing: {want['q']!r}")
            continue
        bad = [x for x in want.get("a", []) if x not in card.answer]
        bad += [f"has {x!r}" for x in want.get("lacks", []) if x in card.answer]
        if want.get("type", "basic") != card.type:
            bad.append(f"type {card.type}")
        if bad:
            s.problems.append(f"wrong answer for {want['q']!r}: {bad}")
        else:
            s.correct += 1
    wanted = {matching_key(w["q"]) for w in spec["cards"]}
    s.problems += [f"extra card: {c.question!r}" for k, c in got.items() if k not in wanted]
    skipped = [{"line": x.line, "why": x.why} for x in result.skipped]
    if skipped != spec["skipped"]:
        s.skipped_ok = False
        s.problems.append(f"skipped {skipped} != expected {spec['skipped']}")
    return s


def score_all(deck: str = "corpus") -> list[Score]:
    from studytui.study.importing import parse_files

    return [score(name, notes, exp, parse_files([notes], deck)) for name, notes, exp in samples()]
