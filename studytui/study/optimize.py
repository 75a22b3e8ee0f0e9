"""Fit FSRS parameters to the user's own review log (fsrs.Optimizer), and keep them in the DB.

    n = training_reviews(store.reviews())       # reviews the optimizer can learn from
    fit = fit_parameters(store)                  # raises NotEnoughReviews below MIN_REVIEWS

fsrs's optimizer learns only from reviews that come a day or more after the previous review of
the same card (within each card's first 64 reviews), and with fewer than 512 of those (one
mini-batch) it returns the default parameters unchanged. We count them first and say so.
The fitted parameters are stored in the meta table (key "fsrs_parameters"); StudySession uses
them from then on, replaying the whole log with them.

Needs the optimizer extras of fsrs: torch, pandas, tqdm (`pip install "fsrs[optimizer]"`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

from studytui.errors import StudytuiError
from studytui.study.store import ReviewRow, Store

MIN_REVIEWS = 512  # fsrs.optimizer.mini_batch_size: below it fsrs keeps the defaults
MAX_SEQ_LEN = 64  # fsrs.optimizer.max_seq_len: reviews per card that are used
PARAMETERS_KEY = "fsrs_parameters"


class NotEnoughReviews(StudytuiError):
    pass


@dataclass(frozen=True)
class FitResult:
    parameters: list[float]
    reviews: int  # training reviews used
    fitted_at: datetime


def training_reviews(rows: list[ReviewRow]) -> int:
    """How many reviews fsrs's optimizer can learn from (a day or more after the previous one)."""
    by_card: dict[str, list[datetime]] = defaultdict(list)
    for r in rows:
        by_card[r.card_id].append(r.at)
    count = 0
    for times in by_card.values():
        times = sorted(times)[:MAX_SEQ_LEN]
        count += sum((b - a).days > 0 for a, b in zip(times, times[1:]))
    return count


def fit_parameters(store: Store, *, now: datetime | None = None, save: bool = True) -> FitResult:
    rows = store.reviews()
    n = training_reviews(rows)
    if n < MIN_REVIEWS:
        raise NotEnoughReviews(
            f"not enough reviews to fit FSRS: {n} of the {MIN_REVIEWS} needed "
            "(only reviews a day or more after the card's previous review count); keeping the defaults"
        )
    try:
        from fsrs import Optimizer, Rating, ReviewLog
        import pandas  # noqa: F401  (fsrs.Optimizer silently turns into a stub without these)
        import tqdm  # noqa: F401
    except ImportError as exc:
        raise StudytuiError(f"the FSRS optimizer needs {exc.name}: pip install 'fsrs[optimizer]'") from None
    from studytui.study.cardstates import fsrs_id

    logs = [ReviewLog(card_id=fsrs_id(r.card_id), rating=Rating(r.rating), review_datetime=r.at,
                      review_duration=r.duration_ms) for r in rows]
    parameters = [float(x) for x in Optimizer(logs).compute_optimal_parameters()]
    result = FitResult(parameters, n, now or datetime.now(timezone.utc))
    if save:
        store.set_meta(PARAMETERS_KEY, {"parameters": parameters, "reviews": n, "fitted_at": result.fitted_at.isoformat()})
    return result


def reset_parameters(store: Store) -> None:
    """Go back to fsrs's default parameters."""
    store.set_meta(PARAMETERS_KEY, None)
