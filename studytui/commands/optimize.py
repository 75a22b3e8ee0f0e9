"""`studytui optimize [--reset]`: fit FSRS parameters to your own review log."""

from __future__ import annotations

import click


@click.command()
@click.option("--reset", is_flag=True, help="Forget fitted parameters; use fsrs's defaults.")
@click.pass_context
def optimize(ctx: click.Context, reset: bool) -> None:
    """Fit FSRS parameters to your review log (needs 512 reviews made a day or more apart)."""
    from studytui.study.optimize import fit_parameters, reset_parameters
    from studytui.study.store import Store

    with Store.open((ctx.obj or {}).get("db")) as store:
        if reset:
            reset_parameters(store)
            click.echo("using fsrs's default parameters")
            return
        click.echo("fitting FSRS parameters to your review log...", err=True)
        fit = fit_parameters(store)
        click.echo(f"fitted {len(fit.parameters)} parameters on {fit.reviews} reviews; saved, used from the next session")
        click.echo("parameters: " + ", ".join(f"{p:.4f}" for p in fit.parameters))
