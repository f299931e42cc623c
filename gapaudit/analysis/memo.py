"""Compute a pure function once per input within one audit run.

Working out the impact of every action runs the modules again on evidence
that differs in one place (:mod:`gapaudit.impact`), so most statistics are
asked for again with identical inputs. Inside :func:`memoised` the functions
marked :func:`memo` remember their results, keyed by their arguments' values
(lists compared element by element), and return the same result again. The
cache lives only for the block (one audit), and only in the current context
(threads and Dask tasks each get their own), so nothing leaks between audits.
Outside the block the functions run as they always do.
"""

from __future__ import annotations

import functools
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_CACHE: ContextVar[dict[Any, Any] | None] = ContextVar("gapaudit_memo", default=None)


@contextmanager
def memoised() -> Iterator[None]:
    """Within the block, results of :func:`memo` functions are kept and reused (nested blocks share them)."""
    if _CACHE.get() is not None:
        yield
        return
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def _key(value: Any) -> Any:
    """A hashable stand-in for an argument: lists and tuples by their elements, recursively.

    (A list whose first element is a number is taken as a list of numbers; a list hiding in it later
    makes the key unhashable, and the function then simply runs.)
    """
    kind = type(value)
    if kind is list or kind is tuple:
        if value and isinstance(value[0], (list, tuple, dict)):
            return tuple(_key(v) for v in value)
        return tuple(value)
    if kind is dict:
        return tuple((k, _key(v)) for k, v in value.items())
    return value


def memo(fn: F) -> F:
    """Mark a pure function of values (numbers, strings, lists of them) whose results may be reused."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        cache = _CACHE.get()
        if cache is None:
            return fn(*args, **kwargs)
        try:
            key = (fn.__qualname__, _key(args), _key(kwargs) if kwargs else ())
            return cache[key]
        except KeyError:
            pass
        except TypeError:  # an unhashable argument: compute as usual
            return fn(*args, **kwargs)
        value = cache[key] = fn(*args, **kwargs)
        return value

    return wrapper  # type: ignore[return-value]


def by_identity(obj: Any, name: str, compute: Callable[[], Any], *extra: Any) -> Any:
    """``compute()`` once per object (by identity) and ``extra`` key parts, within :func:`memoised`.

    For derived views of an object the run does not change (the parsed survey): the object is kept in the
    cache entry, so its id cannot be reused by another object while the entry lives.
    """
    cache = _CACHE.get()
    if cache is None:
        return compute()
    key = (name, id(obj), extra)
    hit = cache.get(key)
    if hit is not None and hit[0] is obj:
        return hit[1]
    value = compute()
    cache[key] = (obj, value)
    return value
