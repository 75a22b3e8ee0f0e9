"""`studytui unsuspend ID...`, `unbury ID...`, `unflag ID...`: undo a mark from the command line.

Every id is checked before anything is written, so a typo changes nothing."""

from __future__ import annotations

import click

from studytui.errors import StudytuiError

# command -> (session method, the mark it removes, the verb for the report)
ACTIONS = {
    "unsuspend": ("unsuspend", "suspended", "unsuspended"),
    "unbury": ("unbury", "buried", "unburied"),
    "unflag": ("unflag", "flagged", "unflagged"),
}


def _run(ctx: click.Context, command: str, card_ids: tuple[str, ...]) -> None:
    from datetime import datetime, timezone

    from studytui.study.browse import unknown_ids
    from studytui.study.scheduler import StudySession
    from studytui.textsafe import clean_line

    method, mark, done = ACTIONS[command]
    now = datetime.now(timezone.utc)
    with StudySession.open((ctx.obj or {}).get("db")) as session:
        unknown = unknown_ids(session, list(card_ids))
        if unknown:
            raise StudytuiError(f"unknown card id '{clean_line(unknown[0])}' (nothing was changed; "
                                f"`studytui cards --{mark}` lists the {mark} cards)")
        is_marked = {"suspended": session.is_suspended, "flagged": session.is_flagged,
                     "buried": lambda cid: session.is_buried(cid, now=now)}[mark]
        for cid in card_ids:
            if not is_marked(cid):
                click.echo(f"{clean_line(cid)}: was not {mark}")
                continue
            getattr(session, method)(cid, now=now)
            click.echo(f"{clean_line(cid)}: {done}")


def _command(name: str, help_text: str) -> click.Command:
    @click.command(name=name, help=help_text)
    @click.argument("card_ids", nargs=-1, required=True, metavar="ID...")
    @click.pass_context
    def command(ctx: click.Context, card_ids: tuple[str, ...]) -> None:
        _run(ctx, name, card_ids)

    return command


unsuspend = _command("unsuspend", "Bring suspended cards back into review (ids from `studytui cards --suspended`).")
unbury = _command("unbury", "Bring buried cards back today (ids from `studytui cards --buried`).")
unflag = _command("unflag", "Remove the flag of cards (ids from `studytui cards --flagged`).")
