"""`studytui calc`: output shape, parameters, MACs and receptive field of a layer stack or model."""

from __future__ import annotations

import json

import click

from studytui.errors import StudytuiError
from studytui.textsafe import clean

DEFAULT_INPUT = "3x32x32"


@click.command(context_settings={"ignore_unknown_options": False})
@click.argument("layers", nargs=-1)
@click.option("--input", "input_shape", metavar="CxHxW",
              help=f"Input shape without the batch, e.g. 3x32x32 or 3x100 for 1-D layers "
                   f"(default: the model's, else {DEFAULT_INPUT}).")
@click.option("--file", "model_file", type=click.Path(dir_okay=False), metavar="PATH",
              help="Read the layers from a file: print(model) output or PyTorch code ('-' is stdin).")
@click.option("--model", "model_name", metavar="NAME", help="A named model instead of layers (see --list-models).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the design's schema).")
@click.option("--verify", is_flag=True, help="Build the real torch layers and compare everything.")
@click.option("--list-models", is_flag=True, help="List the model names and exit.")
@click.option("--compare", is_flag=True, help="Show the MACs of torchinfo / fvcore (if installed) beside ours.")
def calc(layers: tuple[str, ...], input_shape: str | None, model_file: str | None, model_name: str | None,
         as_json: bool, verify: bool, list_models: bool, compare: bool) -> None:
    """Shapes, parameters, MACs and receptive fields, layer by layer.

    LAYERS are written like PyTorch, one per argument:

        studytui calc --input 3x32x32 "Conv2d(3, 16, kernel_size=3, padding=1)" "MaxPool2d(2)"

        studytui calc --model resnet18 --verify

        python -c "import torchvision; print(torchvision.models.resnet18())" | studytui calc --input 3x224x224 -

    Pasted text (--file PATH, or - for stdin, or an argument with newlines) may be print(model)
    output or PyTorch code: nn.Sequential(...) over many lines, self.conv1 = nn.Conv2d(...) lines,
    a whole nn.Module class. Arguments may use integer arithmetic: "Linear(16 * 5 * 5, 120)".

    MACs are multiply-accumulates of conv and linear layers (1 MAC = 2 FLOPs). rf/jump are the
    receptive field and effective stride of one output unit, in input pixels (height x width).
    """
    from studytui.calc import MODEL_NAMES, analyze, analyze_model, get_model

    if list_models:
        for name in MODEL_NAMES:
            model = get_model(name)
            click.echo(f"{name:24s} {'x'.join(map(str, model.input)):10s} {model.about}")
        return
    sources = sum(map(bool, (model_name, layers, model_file)))
    if sources > 1:
        raise StudytuiError("give one of: layers, --file or --model")
    if not sources:
        raise StudytuiError('nothing to calculate: give layers like "Conv2d(3, 16, 3)", --file model.txt or --model resnet18')
    notes: list[str] = []
    if model_name:
        report = analyze_model(model_name, input_shape)
    else:
        report, notes = _analyze_layers(input_shape or DEFAULT_INPUT, layers, model_file)

    verification = None
    if verify:
        from studytui.torchcheck import verify as torch_verify

        if not as_json:
            click.echo("building the torch layers and measuring (receptive field by gradients)...", err=True)
        verification = torch_verify(report)

    for line in notes:
        click.echo(clean(line), err=True)
    if as_json:
        data = report.to_json()
        if verification is not None:
            data["verified"] = verification.ok
            data["differences"] = verification.differences
        click.echo(json.dumps(data))
    else:
        _print_table(report, model_name)
        if verification is not None:
            colour = "green" if verification.ok else "red"
            click.secho(verification.summary(), fg=colour)
    if compare:
        from studytui.peers import compare_with_peers

        for line in compare_with_peers(report):
            click.echo(clean(line))
    if verification is not None and not verification.ok:
        raise SystemExit(1)


def _analyze_layers(input_shape: str, layers: tuple[str, ...], model_file: str | None):
    """The report of layers given as arguments, a file or stdin, and the notes on what was assumed."""
    from studytui.calc import analyze
    from studytui.calc.network import pasted_report

    if model_file is not None or layers == ("-",):
        text = _read_text(model_file if model_file is not None else "-")
        return pasted_report(input_shape, text)
    if any("\n" in text or _is_assignment(text) for text in layers):
        return pasted_report(input_shape, "\n".join(layers))
    return analyze(input_shape, list(layers)), []


def _is_assignment(text: str) -> bool:
    import re

    return re.match(r"\s*[\w.]+\s*(?::[^=(]*)?=(?!=)", text) is not None


def _read_text(path: str) -> str:
    from pathlib import Path

    if path == "-":
        return click.get_text_stream("stdin").read()
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise StudytuiError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _print_table(report, model_name: str | None) -> None:
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from studytui.calc import fmt_shape

    def pair(values) -> str:
        if values is None:
            return "—"
        shown = [str(v) for v in values]
        return shown[0] if len(set(shown)) == 1 else "x".join(shown)

    title = Text(f"{clean(model_name or 'layers')} on input {fmt_shape(report.input)}")
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("layer")
    table.add_column("output", justify="right")
    table.add_column("params", justify="right")
    table.add_column("MACs", justify="right")
    table.add_column("rf", justify="right")
    table.add_column("jump", justify="right")
    for row in report.rows:
        name = clean(row.name if len(row.name) <= 60 else row.name[:57] + "...")
        table.add_row(str(row.index + 1), Text(name), fmt_shape(row.output), f"{row.params:,}", f"{row.macs:,}",
                      pair(row.rf), pair(row.jump))
    table.add_section()
    table.add_row("", "total", fmt_shape(report.output), f"{report.params:,}", f"{report.macs:,}",
                  pair(report.rf), pair(report.jump), style="bold")
    Console().print(table)
