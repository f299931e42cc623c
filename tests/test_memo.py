"""Statistics memoised for one audit run; what one counterfactual needs alone is forgotten after it."""

from __future__ import annotations

from gapaudit.analysis.memo import memo, memoised, own, scratch

calls: list[tuple[float, ...]] = []


@memo
def total(values: list[float]) -> float:
    calls.append(tuple(values))
    return sum(values)


def test_results_are_reused_within_a_run_and_not_outside():
    calls.clear()
    with memoised():
        assert total([1.0, 2.0]) == total([1.0, 2.0]) == 3.0
    assert total([1.0, 2.0]) == 3.0
    assert len(calls) == 2  # once inside the run, once outside it


def test_a_scratch_block_reuses_the_runs_results_and_forgets_its_own():
    calls.clear()
    base = [1.0, 2.0]
    with memoised():
        own([base])
        total(base)
        with scratch():
            raised = [5.0, 6.0]
            own([raised])
            assert total(base) == 3.0  # from the run: not computed again
            assert total(raised) == 11.0
            assert total(raised) == 11.0
        assert total([5.0, 6.0]) == 11.0  # the scratch result is gone: computed again
    assert calls == [(1.0, 2.0), (5.0, 6.0), (5.0, 6.0)]
