"""The due lists: add / remove / first behave like a plain sorted list of (due, card id) pairs."""

from __future__ import annotations

from bisect import insort

from hypothesis import given
from hypothesis import strategies as st

from studytui.study.queue import DueList

ops = st.lists(st.tuples(st.sampled_from(("add", "remove")), st.integers(0, 6), st.sampled_from("abcdef")),
               max_size=60)


@given(ops, st.integers(-1, 7), st.one_of(st.none(), st.integers(-1, 7)), st.sets(st.sampled_from("abcdef")))
def test_due_list_matches_a_sorted_list(operations, until, after, rejected):
    due_list, reference = DueList(), []
    where: dict[str, int] = {}  # a card is in the list once, as in the index
    for op, due, cid in operations:
        if op == "add" and cid not in where:
            due_list.add(due, cid)
            insort(reference, (due, cid))
            where[cid] = due
        elif op == "remove" and cid in where:
            due_list.remove(where[cid], cid)
            reference.remove((where.pop(cid), cid))
        due_list.remove(due, "zz")  # not there: nothing happens
        assert due_list.entries() == reference
    # the first accepted entry after `after`, unless an earlier one is already past `until`
    candidates = [(due, cid) for due, cid in reference if after is None or due > after]
    stop = next((i for i, (due, _) in enumerate(candidates) if due > until), len(candidates))
    want = next((cid for _, cid in candidates[:stop] if cid not in rejected), None)
    assert due_list.first(until, lambda cid: cid not in rejected, after) == want
