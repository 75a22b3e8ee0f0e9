"""`studytui calc`: output shape, parameters, MACs and receptive field of a layer stack or model."""

from __future__ import annotations

import json

import click

from studytui.errors import StudytuiError

DEFAULT_INPUT = "3x32x32"


@click.command(context_settings={"ignore_unknown_options": False})
@click.argument("layers", nargs=-1)
@click.option("--input", "input_shape", metavar="CxHxW",
              help=f"Input shape without the batch, e.g. 3x32x32 (default: the model's, else {DEFAULT_INPUT}).")
@click.option("--model", "model_name", metavar="NAME", help="A named model instead of layers (see --list-models).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (the design's schema).")
@click.option("--verify", is_flag=True, help="Build the real torch layers and compare everything.")
@click.option("--list-models", is_flag=True, help="List the model names and exit.")
def calc(layers: tuple[str, ...], input_shape: str | None, model_name: str | None, as_json: bool,
         verify: bool, list_models: bool) -> None:
    """Shapes, parameters, MACs and receptive fields, layer by layer.

    LAYERS are written like PyTorch, one per argument:

        studytui calc --input 3x32x32 "Conv2d(3, 16, kernel_size=3, padding=1)" "MaxPool2d(2)"

        studytui calc --model resnet18 --verify

    MACs are multiply-accumulates of conv and linear layers (1 MAC = 2 FLOPs). rf/jump are the
    receptive field and effective stride of one output unit, in input pixels (height x width).
    """
    from studytui.calc import MODEL_NAMES, analyze, analyze_model, get_model

    if list_models:
        for name in MODEL_NAMES:
            model = get_model(name)
            click.echo(f"{name:24s} {'x'.join(map(str, model.input)):10s} {model.about}")
        return
    if model_name and layers:
        raise StudytuiError("give either layers or --model, not both")
    if not model_name and not layers:
        raise StudytuiError('nothing to calculate: give layers like "Conv2d(3, 16, 3)" or --model resnet18')
    if model_name:
        report = analyze_model(model_name, input_shape)
    else:
        report = analyze(input_shape or DEFAULT_INPUT, list(layers))

    verification = None
    if verify:
        from studytui.torchcheck import verify as torch_verify

        if not as_json:
            click.echo("building the torch layers and measuring (receptive field by gradients)...", err=True)
        verification = torch_verify(report)

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
    if verification is not None and not verification.ok:
        raise SystemExit(1)


def _print_table(report, model_name: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    from studytui.calc import fmt_shape

    def pair(values) -> str:
        if values is None:
            return "—"
        shown = [str(v) for v in values]
        return shown[0] if shown[0] == shown[1] else "x".join(shown)

    title = f"{model_name or 'layers'} on input {fmt_shape(report.input)}"
    table = Table(title=title, title_justify="left")
    table.add_column("#", justify="right", style="dim")
    table.add_column("layer")
    table.add_column("output", justify="right")
    table.add_column("params", justify="right")
    table.add_column("MACs", justify="right")
    table.add_column("rf", justify="right")
    table.add_column("jump", justify="right")
    for row in report.rows:
        name = row.name if len(row.name) <= 60 else row.name[:57] + "..."
        table.add_row(str(row.index + 1), name, fmt_shape(row.output), f"{row.params:,}", f"{row.macs:,}",
                      pair(row.rf), pair(row.jump))
    table.add_section()
    table.add_row("", "total", fmt_shape(report.output), f"{report.params:,}", f"{report.macs:,}",
                  pair(report.rf), pair(report.jump), style="bold")
    Console().print(table)
