"""Compute a pure function once per input within one audit run.

Working out the impact of every action runs the modules again on evidence
that differs in one place (:mod:`gapaudit.impact`), so most statistics are
asked for again with identical inputs. Inside :func:`memoised` the functions
marked :func:`memo` remember their results, keyed by their arguments' values
(lists compared element by element), and return the same result again. The
cache lives only for the block (one audit), and only in the current context
(threads and Dask tasks each get their own), so nothing leaks between audits.
Outside the block the functions run as they always do.

Lists known not to change during the run — the parsed survey's answer lists
(:func:`own`) and the lists memoised functions return — are keyed by identity,
which spares hashing the same few hundred answers again on every call. So a
memoised function's result, and the survey's lists, must never be changed in
place (gapaudit's analysis treats its inputs as read-only throughout).
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _Cache(dict):
    """Results by key, and the lists keyed by identity (kept alive here, so an id is never reused).

    A scratch cache (:func:`scratch`) sits on top of its parent: it reads through to the parent and keeps
    what is new, and goes away with its block.
    """

    def __init__(self, parent: "_Cache | None" = None) -> None:
        super().__init__()
        self.parent = parent
        self.owned: dict[int, list[Any]] = {}

    def find(self, key: Any) -> Any:
        """The entry for ``key`` here or in a parent (KeyError when none)."""
        cache: _Cache | None = self
        while cache is not None:
            if key in cache:
                return dict.__getitem__(cache, key)
            cache = cache.parent
        raise KeyError(key)

    def owns(self, value: list[Any]) -> bool:
        cache: _Cache | None = self
        while cache is not None:
            if cache.owned.get(id(value)) is value:
                return True
            cache = cache.parent
        return False


_CACHE: ContextVar[_Cache | None] = ContextVar("gapaudit_memo", default=None)


@contextmanager
def memoised() -> Iterator[None]:
    """Within the block, results of :func:`memo` functions are kept and reused (nested blocks share them)."""
    if _CACHE.get() is not None:
        yield
        return
    token = _CACHE.set(_Cache())
    try:
        yield
    finally:
        _CACHE.reset(token)


@contextmanager
def scratch() -> Iterator[None]:
    """Within the block, new results are kept only until it ends; the results from before are still reused.

    One counterfactual re-run computes statistics of evidence no other run sees (a raised perception
    column): keeping them for the rest of the audit would let memory grow with every action measured.
    """
    parent = _CACHE.get()
    if parent is None:
        yield
        return
    token = _CACHE.set(_Cache(parent))
    try:
        yield
    finally:
        _CACHE.reset(token)


def own(lists: Iterable[list[Any]]) -> None:
    """Declare lists that will not change during the run (the survey's answers): keyed by identity."""
    cache = _CACHE.get()
    if cache is not None:
        for values in lists:
            if type(values) is list:
                cache.owned[id(values)] = values


def _key(value: Any, owned: _Cache) -> Any:
    """A hashable stand-in for an argument: an owned list by identity; other lists and tuples by their
    elements, recursively.

    (A list whose first element is a number is taken as a list of numbers; a list hiding in it later
    makes the key unhashable, and the function then simply runs.)
    """
    kind = type(value)
    if kind is list:
        if owned.owns(value):
            return ("id", id(value))
        if value and isinstance(value[0], (list, tuple, dict)):
            return tuple(_key(v, owned) for v in value)
        return tuple(value)
    if kind is tuple:
        return tuple(_key(v, owned) for v in value)
    if kind is dict:
        return tuple((k, _key(v, owned)) for k, v in value.items())
    return value


def memo(fn: F) -> F:
    """Mark a pure function of values (numbers, strings, lists of them) whose results may be reused."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = _CACHE.get()
        if cache is None:
            return fn(*args, **kwargs)
        try:
            key = (fn.__qualname__, _key(args, cache), _key(kwargs, cache) if kwargs else ())
            return cache.find(key)
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: compute as usual
            return fn(*args, **kwargs)
        value = cache[key] = fn(*args, **kwargs)
        if type(value) is list:
            cache.owned[id(value)] = value
        return value

    return wrapper  # type: ignore[return-value]


def by_identity(obj: Any, name: str, compute: Callable[[], Any], *extra: Any) -> Any:
    """``compute()`` once per object (by identity; a tuple: per combination of its objects) and ``extra`` key
    parts, within :func:`memoised`.

    For derived views of objects the run does not change (the parsed survey, the evidence's tables): the
    objects are kept in the cache entry, so their ids cannot be reused by others while the entry lives.
    """
    cache = _CACHE.get()
    if cache is None:
        return compute()
    objs = obj if type(obj) is tuple else (obj,)
    key = (name, tuple(id(o) for o in objs), extra)
    try:
        hit = cache.find(key)
    except KeyError:
        hit = None
    if hit is not None and all(a is b for a, b in zip(hit[0], objs)):
        return hit[1]
    value = compute()
    cache[key] = (objs, value)
    return value
