"""The deck: one YAML file per topic under cards/, validated with pydantic.

A topic file looks like::

    topic: receptive-fields          # stable id of the topic
    title: Receptive fields
    demo: receptive_field.py         # a script under demos/
    cards:
      - id: rf-two-3x3-equals-5x5    # stable id: never changes when the text is edited
        q: What receptive field do two stacked 3x3 convs (stride 1) have?
        a: $5 \\times 5$, the same as one $5 \\times 5$ conv, with fewer weights.
        tags: [receptive-field]
        sources: ["exam-guide#3.3"]  # which questions of the study material this card answers
        check:                        # optional numeric claim, verified by calculator and torch
          input: 1x32x32
          layers: ["Conv2d(1, 1, 3)", "Conv2d(1, 1, 3)"]
          expect: {rf: [5, 5]}
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

from studytui.yamlload import YamlFileError, load_model

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Expect(Strict):
    """What a numeric claim says; every key given is checked."""

    output: list[int] | None = None
    params: int | None = None
    macs: int | None = None
    rf: list[int] | None = None
    jump: list[int] | None = None

    @model_validator(mode="after")
    def _something(self) -> "Expect":
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("expect needs at least one of output, params, macs, rf, jump")
        return self


class Check(Strict):
    """A numeric claim of a card: run `layers` (or a named `model`) on `input` and compare."""

    input: str | None = None
    layers: list[str] | None = None
    model: str | None = None
    layer: int | str | None = None  # index or stage name (e.g. "layer3") to read; None = whole net
    expect: Expect

    @model_validator(mode="after")
    def _one_source(self) -> "Check":
        if (self.layers is None) == (self.model is None):
            raise ValueError("a check needs exactly one of 'layers' or 'model'")
        if self.layers is not None and self.input is None:
            raise ValueError("a check with 'layers' needs an 'input' such as 3x32x32")
        return self


class Card(Strict):
    id: Slug
    q: Text
    a: Text
    tags: list[Slug] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    check: Check | list[Check] | None = None

    @property
    def checks(self) -> list[Check]:
        if self.check is None:
            return []
        return self.check if isinstance(self.check, list) else [self.check]

    @property
    def content_hash(self) -> str:
        """Changes when the question or answer text changes (the id does not)."""
        return hashlib.sha256(f"{self.q}\x00{self.a}".encode()).hexdigest()[:16]


class Topic(Strict):
    topic: Slug
    title: Text
    demo: str
    cards: list[Card] = Field(min_length=1)

    @field_validator("demo")
    @classmethod
    def _demo_is_script(cls, value: str) -> str:
        if not value.endswith(".py") or "/" in value or "\\" in value:
            raise ValueError("demo must be a script name under demos/, like 'onecycle.py'")
        return value


def load_topic(path: Path) -> Topic:
    """Load one topic file; raises YamlFileError with file:line problems."""
    return load_model(Path(path), Topic)
