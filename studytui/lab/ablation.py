"""The cumulative ablation of demos/run_experiments.py: recipes built one ingredient at a time.

Row 0 is a plain CNN trained the plain way; row i+1 is row i with exactly one more ingredient,
so the difference between two neighbouring rows is what that one ingredient added:

    rows = cumulative()            # [(label, Recipe), ...], len(INGREDIENTS) + 1 rows
    describe_changes(rows[2][1], rows[3][1])   # "residual: off -> on"

Everything not in a Recipe (epochs, batch size, peak LR, optimiser, weight decay, data) is the
same for every row: the demo passes it once, so a row cannot win by training longer or at
another LR. calibration() gives the two numbers that show what the regularisers do in a run
too short for their accuracy gain: how confident the net is, and how far that is from right.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace


@dataclass(frozen=True)
class Recipe:
    """What one row of the ablation switches on (the rest is common to all rows)."""

    bn: bool = False  # BatchNorm after every conv
    residual: bool = False  # identity shortcuts around every pair of convs
    augment: bool = False  # random crop (reflect padding 4) + horizontal flip
    schedule: str = "constant"  # "constant" or "cosine-warmup" (same peak LR either way)
    label_smoothing: float = 0.0  # CrossEntropyLoss(label_smoothing=eps)
    mixup_alpha: float = 0.0  # mixup's Beta(alpha, alpha); 0 = off
    preact: bool = False  # pre-activation blocks (BN-ReLU-conv, nothing after the add)
    zero_init: bool = False  # every residual branch ends at 0 at init: blocks start as the identity


@dataclass(frozen=True)
class Ingredient:
    """One step of the ablation: a name, the recipe fields it sets, and what to look for."""

    key: str  # short label for the table and the plot
    changes: dict
    quick_shows: str  # what a run of a minute on a CPU can show
    full_run_adds: str  # what only a long run (a GPU, real CIFAR-10) shows


BASELINE = Recipe()

# The order follows the ResNet study notes: make a deep net trainable (BN, shortcuts), feed it
# more varied data, schedule the LR, then the regularisers of the modern recipe, then the v2
# block and the identity start of every block (zero-init). Each ingredient is applied on top of
# all the ones before it.
INGREDIENTS: tuple[Ingredient, ...] = (
    Ingredient(
        "BatchNorm", {"bn": True},
        quick_shows="at the shared peak LR the plain net barely moves (or diverges); BN makes it train",
        full_run_adds="the same: BN is what lets every later row use a large LR",
    ),
    Ingredient(
        "residual", {"residual": True},
        quick_shows="faster early progress at equal depth (see residual_vs_plain for a deeper net)",
        full_run_adds="the gap widens with depth: 50+ layer nets train only with shortcuts",
    ),
    Ingredient(
        "crop+flip", {"augment": True},
        quick_shows="a smaller gap between clean train accuracy and val accuracy (less overfitting)",
        full_run_adds="several points of test accuracy once training is long enough to overfit",
    ),
    Ingredient(
        "cosine LR", {"schedule": "cosine-warmup"},
        quick_shows="a warm-up then an anneal to 0: the final epochs settle and val accuracy jumps",
        full_run_adds="about a point over step decay in the study notes' table",
    ),
    Ingredient(
        "label smoothing", {"label_smoothing": 0.1},
        quick_shows="lower confidence on the validation set (targets are 0.91, not 1); a short run leaves "
                    "the net under-confident, so ECE can rise while accuracy holds",
        full_run_adds="under a point of accuracy and better-calibrated probabilities",
    ),
    Ingredient(
        "mixup", {"mixup_alpha": 0.2},
        quick_shows="lower confidence and a smaller train-val gap; accuracy often dips in short runs",
        full_run_adds="1-2 points on CIFAR-10 after 100+ epochs: mixup pays off late",
    ),
    Ingredient(
        "pre-activation", {"preact": True},
        quick_shows="no gain to expect at 14 layers; like for like (same epochs, same LR) it may even start "
                    "slower in a short run",
        full_run_adds="the v2 block helps most on very deep nets (100+ layers); under a point at 18",
    ),
    Ingredient(
        "zero-init", {"zero_init": True},
        quick_shows="each block starts as the identity (last conv of every branch zeroed), so the deep "
                    "net starts like a shallow one: a faster start than the row above",
        full_run_adds="the study recipe pairs it with He init; it matters most for deep nets and large batches",
    ),
)


def cumulative(ingredients: tuple[Ingredient, ...] = INGREDIENTS, baseline: Recipe = BASELINE) -> list[tuple[str, Recipe]]:
    """[("plain CNN", baseline), ("+ BatchNorm", baseline + BN), ...]: each row adds one ingredient."""
    rows = [("plain CNN", baseline)]
    for ingredient in ingredients:
        unknown = set(ingredient.changes) - {f.name for f in fields(Recipe)}
        if unknown:
            raise ValueError(f"ingredient {ingredient.key!r} sets unknown recipe fields {sorted(unknown)}")
        recipe = replace(rows[-1][1], **ingredient.changes)
        if recipe == rows[-1][1]:
            raise ValueError(f"ingredient {ingredient.key!r} changes nothing: it is already on")
        rows.append((f"+ {ingredient.key}", recipe))
    return rows


def changed_fields(before: Recipe, after: Recipe) -> dict:
    """{field: (old, new)} for every field that differs."""
    a, b = asdict(before), asdict(after)
    return {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def _show(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    return f"{value:g}" if isinstance(value, float) else str(value)


def describe_changes(before: Recipe, after: Recipe) -> str:
    """"residual: off -> on" (several changes joined by "; ")."""
    return "; ".join(f"{k}: {_show(a)} -> {_show(b)}" for k, (a, b) in changed_fields(before, after).items())


def describe_recipe(recipe: Recipe) -> str:
    """One short line: "bn on, residual off, ..."."""
    return ", ".join(f"{k} {_show(v)}" for k, v in asdict(recipe).items())


def calibration(logits, labels, bins: int = 10) -> tuple[float, float]:
    """(mean confidence, expected calibration error) of softmax predictions.

    Confidence is the top softmax probability. ECE splits the predictions into `bins` equal
    confidence ranges and averages |accuracy - confidence| over them, weighted by their size:
    0 for a net whose "80% sure" is right 80% of the time.
    """
    import torch

    probs = torch.softmax(logits.float(), dim=1)
    confidence, predicted = probs.max(dim=1)
    correct = (predicted == labels.to(predicted.device)).float()
    edges = torch.linspace(0, 1, bins + 1, device=confidence.device)
    which = torch.bucketize(confidence, edges[1:-1], right=True)  # bin index 0..bins-1
    ece = torch.zeros((), device=confidence.device)
    for b in range(bins):
        inside = which == b
        if inside.any():
            ece += inside.float().mean() * (correct[inside].mean() - confidence[inside].mean()).abs()
    return confidence.mean().item(), ece.item()
