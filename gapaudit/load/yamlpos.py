"""YAML to plain Python data, keeping the line and column of every node.

PyYAML's composer gives a node graph with marks; we build the data ourselves
so that (a) each value's position is recorded under its field path, (b)
duplicate keys are errors instead of silent overwrites, and (c) alias
expansion is counted, so an alias bomb fails fast in bounded memory.
"""

from __future__ import annotations

from typing import Any

import yaml

from gapaudit.errors import InputError, InputIssue

try:  # the C parser is ~10x faster; the pure-Python one is a fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]

#: Upper bound on values built from one document, aliases expanded.
MAX_NODES = 500_000


class _Builder:
    def __init__(self, source: str):
        self.source = source
        self.positions: Positions = {}
        self.issues: list[InputIssue] = []
        self.count = 0
        self._constructor = yaml.constructor.SafeConstructor()

    def issue(self, node: yaml.Node, message: str, path: Path) -> None:
        self.issues.append(
            InputIssue(message, path, self.source, node.start_mark.line + 1, node.start_mark.column + 1)
        )

    def build(self, node: yaml.Node, path: Path, depth: int = 0) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise _TooManyValues()
        if depth > 100:
            mark = node.start_mark
            raise InputError([InputIssue("document nests deeper than 100 levels", path, self.source,
                                         mark.line + 1, mark.column + 1, zh="文档嵌套超过 100 层")])
        self.positions.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
        if isinstance(node, yaml.MappingNode):
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    self.issue(key_node, "mapping keys must be plain strings", path)
                    continue
                key = key_node.value
                if key == "<<":
                    self.issue(key_node, "YAML merge keys (<<) are not supported; write the fields out", path)
                    continue
                if key in out:
                    self.issue(key_node, f"duplicate key {key!r} (the earlier value would be lost)", path + (key,))
                    continue
                self.positions[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, path + (i,), depth + 1) for i, item in enumerate(node.value)]
        try:
            return self._constructor.construct_object(node)
        except (ValueError, OverflowError):
            # e.g. 2026-13-09 matches YAML's timestamp pattern but is no date: keep the
            # text so validation reports it against the field that expects a date
            return node.value


#: what the common syntax errors mean and what to do, by words of PyYAML's problem (en appended; zh in full)
_SYNTAX_HINTS = (
    ("tab character", "; indent with spaces, not tabs", "缩进里有制表符（Tab）：请改用空格缩进"),
    ("did not find expected key", "; the line is indented unlike its neighbours, or a value is cut (check the "
     "indentation and the quotes)", "这一行的缩进与上下行不一致，或某个值没写完整（请检查缩进和引号）"),
    ("mapping values are not allowed", "; a value holds ': ' — put it in quotes", "值里含有“: ”：请给这个值加上引号"),
    ("could not find expected ':'", "; a key needs a ':' after it", "键的后面缺少“:”"),
    ("cannot start any token", "; put the value in quotes", "值以不能开头的字符开始（如 @ ` 或 Tab）：请给这个值加上引号"),
    ("did not find expected ',' or ']'", "; a [list] is not closed, or an entry needs quotes",
     "[列表] 没有闭合，或某一项需要加引号"),
    ("did not find expected ',' or '}'", "; a {mapping} is not closed, or a value needs quotes",
     "{映射} 没有闭合，或某个值需要加引号"),
    ("found unexpected end of stream", "; a quote or bracket is not closed", "引号或括号没有闭合"),
)


def load_yaml(text: str, source: str) -> tuple[Any, Positions]:
    """Parse one YAML document; return its data and ``{field path: (line, column)}``.

    Raises InputError for syntax errors, duplicate keys and oversized documents.
    """
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        problem = exc.problem or str(exc)
        context = f" ({exc.context})" if exc.context else ""
        en, zh = next(((e, z) for words, e, z in _SYNTAX_HINTS if words in problem), ("", ""))
        raise InputError([InputIssue(f"invalid YAML: {problem}{context}{en}", (), source, line, col,
                                     zh=f"YAML 格式错误：{zh or problem}")], source) from None
    except yaml.YAMLError as exc:
        raise InputError([InputIssue(f"invalid YAML: {exc}", (), source, zh=f"YAML 格式错误：{exc}")],
                         source) from None
    if node is None:
        return None, {}
    builder = _Builder(source)
    try:
        data = builder.build(node, ())
    except _TooManyValues:
        raise InputError([_too_many_values(text, source)]) from None
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        raise InputError(
            [InputIssue(f"invalid YAML value: {exc.problem}", (), source,
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None)]
        ) from None
    if builder.issues:
        raise InputError(builder.issues)
    return data, builder.positions


class _TooManyValues(Exception):
    """Raised inside the builder when the expanded document passes MAX_NODES."""


def _too_many_values(text: str, source: str) -> InputIssue:
    """The issue for a document expanding past MAX_NODES, located at the alias (or value) that crosses it."""
    event = _crossing_event(text)
    message = f"document expands to more than {MAX_NODES:,} values (alias bomb?)"
    zh = f"文档展开后超过 {MAX_NODES:,} 个值（别名炸弹？）"
    if event is None:  # pragma: no cover - the two counts agree; kept as a safe fallback
        return InputIssue(message, (), source, zh=zh)
    if isinstance(event, yaml.AliasEvent):
        message += f"; the alias *{event.anchor} here crosses the limit"
        zh += f"；此处的别名 *{event.anchor} 使其超限"
    mark = event.start_mark
    return InputIssue(message, (), source, mark.line + 1, mark.column + 1, zh=zh)


class _Frame:
    __slots__ = ("mapping", "expect_key", "anchor", "start", "skip")

    def __init__(self, mapping: bool, anchor: str | None, start: int, skip: bool):
        self.mapping, self.expect_key, self.anchor, self.start, self.skip = mapping, True, anchor, start, skip


def _crossing_event(text: str) -> yaml.Event | None:
    """The parser event at which the builder's count passes MAX_NODES.

    Walks the events (the fast C parser; no expansion) counting values the way
    :meth:`_Builder.build` does: one per value node, none for mapping keys (nor
    for what sits under a key or a ``<<`` merge key, which are not built); an
    alias counts the size of its anchor's whole subtree.
    """
    count = 0
    sizes: dict[str, int] = {}
    stack: list[_Frame] = []
    skip_next = False
    for event in yaml.parse(text, Loader=_Loader):
        if not isinstance(event, (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent,
                                  yaml.MappingStartEvent, yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            continue
        if isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            frame = stack.pop()
            if frame.anchor:
                sizes[frame.anchor] = count - frame.start
            continue
        parent = stack[-1] if stack else None
        skip = bool(parent and parent.skip)
        if parent is not None and parent.mapping:
            is_key = parent.expect_key
            parent.expect_key = not parent.expect_key
            if is_key:
                skip = True
                if isinstance(event, yaml.ScalarEvent) and event.value == "<<":
                    skip_next = True
            elif skip_next:
                skip, skip_next = True, False
        start = count
        if not skip:
            count += sizes.get(event.anchor, 1) if isinstance(event, yaml.AliasEvent) else 1
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            stack.append(_Frame(isinstance(event, yaml.MappingStartEvent), event.anchor, start, skip))
        elif isinstance(event, yaml.ScalarEvent) and event.anchor:
            sizes[event.anchor] = count - start
        if count > MAX_NODES:
            return event
    return None
