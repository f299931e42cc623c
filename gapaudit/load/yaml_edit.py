"""Edit one block of an audit YAML file and leave every other line as the person wrote it.

``gapaudit import`` writes a reading mapping into ``evidence.<kind>``. A full
round-trip dump would reflow the rest of the file (multi-line flow mappings,
indentation), so only the block's own lines are replaced: the block is cut
out, edited with ruamel.yaml (which keeps the comments inside it) and put
back at the same place and indentation. A missing block is added at the end
of its parent mapping. What is written reads back, with the loader ``gapaudit``
uses (YAML 1.1), as exactly the values given: a column named ``No`` or
``?、您的*`` is quoted, never read back as ``false`` or a mapping key.
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
    """The file's shape does not allow a targeted edit: ``en``/``zh`` say what to write by hand, ``line``
    (1-based) where."""

    def __init__(self, en: str, zh: str, line: int | None = None):
        super().__init__(en)
        self.zh = zh
        self.line = line


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
        raise EditError("the audit file is not a YAML mapping", "审核文件不是 YAML 映射（键: 值）")
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
        if lines[key_line][:indent].strip():  # the key sits inside an inline {…} of a parent
            raise _inline(path, depth - 1, key_line)
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
        raise _inline(path, depth, parent_key.start_mark.line)
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


def _inline(path: tuple[str, ...], depth: int, line: int) -> EditError:
    where = ".".join(path[:max(depth, 1)])
    return EditError(f"{where} is written inline ({{…}} on one line); write it as a block, one key per line, so "
                     f"import can edit {'.'.join(path)}",
                     f"{where} 写成了行内形式（一行中的 {{…}}）；请改写为每行一个键的块格式，import 才能编辑 {'.'.join(path)}",
                     line + 1)


_RESOLVER = yaml.resolver.Resolver()


def _quoted_if_needed(text: str) -> Any:
    """``text`` as a scalar that reads back as this very string with gapaudit's loader (YAML 1.1): ``No``,
    ``1.5`` or ``2026-10-01`` would not, nor ``?…`` inside ``[…]``."""
    from ruamel.yaml.scalarstring import ScalarString, SingleQuotedScalarString

    if isinstance(text, ScalarString):
        return text
    plain = _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == "tag:yaml.org,2002:str"
    return text if plain and text[:1] not in ("?", ":", "-", "!", "&", "*") else SingleQuotedScalarString(text)


def _plain(value: Any) -> Any:
    if hasattr(value, "items"):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _dump(y: Any, data: dict[str, Any], indent: int) -> str:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    def block_style(value: Any) -> Any:
        """Mappings as blocks; a short list of plain values on one line (``ignore: [来源, IP]``), a long one a line
        per entry."""
        if isinstance(value, dict):
            out = value if isinstance(value, CommentedMap) else CommentedMap(value)
            out.fa.set_block_style()
            for k in list(out):
                if isinstance(k, str) and _quoted_if_needed(k) is not k:
                    out.insert(list(out).index(k), _quoted_if_needed(k), out.pop(k))
                    k = _quoted_if_needed(k)
                out[k] = block_style(out[k])
            return out
        if isinstance(value, list) and not isinstance(value, CommentedSeq):
            seq = CommentedSeq(block_style(v) for v in value)
            if all(not isinstance(v, (dict, list)) for v in value) and \
                    sum(len(str(v)) + 2 for v in value) <= FLOW_WIDTH:
                seq.fa.set_flow_style()
            return seq
        return _quoted_if_needed(value) if isinstance(value, str) else value

    buf = io.StringIO()
    y.dump(block_style(data), buf)
    text = buf.getvalue()
    if yaml.load(text, Loader=_Loader) != _plain(data):  # a guard: never write what reads back otherwise
        raise EditError("the new block would not read back as written; write it by hand",
                        "新写入的内容读回时会变样；请手工填写")
    return textwrap.indent(text, " " * indent)
