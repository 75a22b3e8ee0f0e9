"""Command-line plumbing every demo shares: common flags, run modes, output folder, errors.

    parser = demo_parser(__doc__)                  # --out --seed --quick --full --tiny --device ...
    parser.add_argument("--max-lr", type=float, default=None)
    args = parser.parse_args()
    apply_mode(args,
               full=dict(epochs=24, batch_size=512, n_train=None),
               quick=dict(epochs=3, batch_size=128, n_train=5000),
               tiny=dict(epochs=1, batch_size=32, n_train=256))

Modes: `--full` is the real recipe (meant for a GPU), `--quick` fits about a minute on 2 CPU
cores and still shows the concept, `--tiny` (or STUDYTUI_DEMO_TINY=1) runs a few steps on tiny
data for tests. With none given: full on CUDA, quick on CPU (and the choice is printed).
A flag given explicitly on the command line always wins over the mode's default.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from studytui.errors import StudytuiError

TINY_ENV = "STUDYTUI_DEMO_TINY"
RUNS_ENV = "STUDYTUI_RUNS"  # where demos write runs/NAME/ when --out is not given


def demo_parser(doc: str | None, image_folder: bool = False) -> argparse.ArgumentParser:
    """An argparse parser with the flags all demos share; the module docstring becomes --help."""
    from studytui.lab.data import add_data_args

    lines = (doc or "").strip().splitlines()
    parser = argparse.ArgumentParser(
        description=lines[0] if lines else None,
        epilog="\n".join(lines[1:]).strip() or None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_const", dest="mode", const="quick", help="small run: about a minute on 2 CPU cores")
    mode.add_argument("--full", action="store_const", dest="mode", const="full", help="the full recipe (meant for a GPU)")
    mode.add_argument("--tiny", action="store_const", dest="mode", const="tiny", help=f"a few steps on tiny data, for tests (also {TINY_ENV}=1)")
    run = parser.add_argument_group("run")
    run.add_argument("--out", metavar="DIR", help="where plots and results go (default: runs/NAME in the user data dir, or $STUDYTUI_RUNS/NAME)")
    run.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    run.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda, cuda:1 ...")
    run.add_argument("--compile", action="store_true", help="torch.compile the model (worth it for long GPU runs)")
    run.add_argument("--epochs", type=int, help="epochs (default depends on the mode)")
    run.add_argument("--batch-size", type=int, help="batch size (default depends on the mode)")
    run.add_argument("--n-train", type=int, help="use only this many training images")
    run.add_argument("--progress-json", metavar="PATH", help="also stream progress as JSON lines to PATH (or $STUDYTUI_PROGRESS=PATH|fd:N)")
    run.add_argument("--profile", action="store_true", help="print training throughput (images/s) per epoch")
    add_data_args(parser, image_folder=image_folder)
    return parser


def apply_mode(args: argparse.Namespace, full: dict, quick: dict, tiny: dict, announce: bool = True) -> str:
    """Choose the mode and fill every option still None from that mode's defaults.

    Returns and sets `args.mode` ("full", "quick" or "tiny"). Also points the JSON progress
    stream at --progress-json when given.
    """
    from studytui.lab.progress import set_json_target

    set_json_target(getattr(args, "progress_json", None))
    if os.environ.get(TINY_ENV, "") not in ("", "0") and args.mode is None:
        args.mode = "tiny"
    if args.mode is None:
        import torch

        on_gpu = args.device.startswith("cuda") or (args.device == "auto" and torch.cuda.is_available())
        args.mode = "full" if on_gpu else "quick"
        if announce:
            print(f"mode: {args.mode} ({'GPU' if on_gpu else 'no GPU'}; pass --full, --quick or --tiny to choose)", flush=True)
    defaults = {"full": full, "quick": quick, "tiny": tiny}[args.mode]
    for key, value in defaults.items():
        if getattr(args, key, None) is None:
            setattr(args, key, value)
    return args.mode


def runs_root() -> Path:
    """$STUDYTUI_RUNS, else runs/ in the platformdirs user data dir (never the source tree or
    the installed package)."""
    env = os.environ.get(RUNS_ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("studytui")) / "runs"


def out_dir(args: argparse.Namespace, name: str, announce: bool = True) -> Path:
    """--out, or runs_root()/NAME; created (and said, when it is the default)."""
    path = Path(args.out) if args.out else runs_root() / name
    path.mkdir(parents=True, exist_ok=True)
    if not args.out and announce:
        print(f"output: {path}  (--out DIR to choose)", flush=True)
    return path


def run_main(main) -> None:
    """Run a demo's main(): user mistakes print `error: ...` (one line) and exit 1, no traceback."""
    try:
        code = main()
    except StudytuiError as exc:
        print(f"error: {exc}", file=sys.stderr, flush=True)
        sys.exit(1)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr, flush=True)
        sys.exit(130)
    sys.exit(code or 0)


def parse_overrides(pairs: list[str]) -> dict:
    """`--set key=value` pairs -> dict; values are read as YAML (numbers, booleans, strings)."""
    import yaml

    result = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise StudytuiError(f"--set {pair!r}: expected key=value")
        try:
            result[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            result[key.strip()] = value
    return result
