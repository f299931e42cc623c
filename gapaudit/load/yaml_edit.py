"""Edit one block of an audit YAML file and leave every other line as the person wrote it.

``gapaudit import`` writes a reading mapping into ``evidence.<kind>``. A full
round-trip dump would reflow the rest of the file (multi-line flow mappings,
indentation), so only the block's own lines are replaced: the block is cut
out, edited with ruamel.yaml (which keeps the comments inside it) and put
back at the same place and indentation. A missing block is added at the end
of its parent mapping.
"""

from __future__ import annotations

import io
import textwrap
from typing import Any, Callable

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


#: a list of plain values up to this many characters is written on one line
FLOW_WIDTH = 90


class EditError(Exception):
    """The file's shape does not allow a targeted edit (the caller says what to do by hand)."""


def _ruamel():
    from ruamel.yaml import YAML

    y = YAML()
    y.preserve_quotes = True
    y.width = 120
    y.indent(mapping=2, sequence=4, offset=2)
    return y


def _find(node: yaml.Node, key: str) -> tuple[yaml.Node, yaml.Node] | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key:
            return k, v
    return None


def _block_end(lines: list[str], start: int, indent: int) -> int:
    """Index after the last line belonging to a block whose key sits at ``indent`` on line ``start``."""
    end = start + 1
    last_content = start
    while end < len(lines):
        line = lines[end]
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            if len(line) - len(line.lstrip(" ")) <= indent:
                break
            last_content = end
        elif stripped.startswith("#") and len(line) - len(line.lstrip(" ")) > indent:
            last_content = end
        end += 1
    return last_content + 1


def set_block(text: str, path: tuple[str, ...], update: Callable[[Any], Any]) -> str:
    """``text`` with the mapping at ``path`` replaced by ``update(current)`` (``current`` is None when absent).

    ``update`` receives a ruamel CommentedMap (comments inside the block kept) or None, and returns the new
    value (a mapping). Only the block's lines change.
    """
    root = yaml.compose(text, Loader=_Loader) if text.strip() else None
    if root is not None and not isinstance(root, yaml.MappingNode):
        raise EditError("the audit file is not a YAML mapping")
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    # walk down as far as the path exists
    node, depth, parent_key = root, 0, None
    while node is not None and depth < len(path):
        hit = _find(node, path[depth])
        if hit is None:
            break
        parent_key, node = hit
        depth += 1
    y = _ruamel()
    if depth == len(path) and parent_key is not None:
        if getattr(node, "flow_style", False) and parent_key.start_mark.line == node.end_mark.line:
            pass  # a one-line flow mapping: replaced whole below
        key_line = parent_key.start_mark.line
        indent = parent_key.start_mark.column
        end = _block_end(lines, key_line, indent)
        snippet = textwrap.dedent("".join(lines[key_line:end]))
        current = y.load(snippet)[path[-1]]
        new = update(current)
        block = _dump(y, {path[-1]: new}, indent)
        return "".join(lines[:key_line]) + block + "".join(lines[end:])
    # add the missing part under the deepest existing mapping
    new = update(None)
    value: Any = new
    for key in reversed(path[depth + 1:]):
        value = {key: value}
    missing_key = path[depth]
    if depth == 0:
        block = _dump(y, {missing_key: value}, 0)
        sep = "" if not lines or lines[-1].strip() == "" else "\n"
        return "".join(lines) + sep + block
    if not isinstance(node, yaml.MappingNode) or getattr(node, "flow_style", False):
        raise EditError(f"{'.'.join(path[:depth])} is written inline; write it as a block to let import edit it")
    if node.value:
        first_key = node.value[0][0]
        indent = first_key.start_mark.column
        last_key = node.value[-1][0]
        end = _block_end(lines, last_key.start_mark.line, indent)
    else:  # "evidence:" with nothing under it
        indent = parent_key.start_mark.column + 2
        end = parent_key.start_mark.line + 1
    block = _dump(y, {missing_key: value}, indent)
    if end and lines[end - 1].strip():
        block = "\n" + block  # a new block stands apart from the one above it
    return "".join(lines[:end]) + block + "".join(lines[end:])


def _dump(y: Any, data: dict[str, Any], indent: int) -> str:
    from ruamel.yaml.comments import CommentedMap

    from ruamel.yaml.comments import CommentedSeq

    def block_style(value: Any) -> Any:
        """Mappings as blocks; a short list of plain values on one line (``ignore: [来源, IP]``), a long one a line
        per entry."""
        if isinstance(value, dict):
            out = value if isinstance(value, CommentedMap) else CommentedMap(value)
            out.fa.set_block_style()
            for k in list(out):
                out[k] = block_style(out[k])
            return out
        if isinstance(value, list) and not isinstance(value, CommentedSeq):
            seq = CommentedSeq(block_style(v) for v in value)
            if all(not isinstance(v, (dict, list)) for v in value) and \
                    sum(len(str(v)) + 2 for v in value) <= FLOW_WIDTH:
                seq.fa.set_flow_style()
            return seq
        return value

    buf = io.StringIO()
    y.dump(block_style(data), buf)
    return textwrap.indent(buf.getvalue(), " " * indent)
