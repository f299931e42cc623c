"""``gapaudit plugin new NAME``: a working plugin skeleton that passes its own tests once installed.

The skeleton lives in ``plugin_template/``: every file there is named ``<final name>.j2`` (so the
package-data rules ship it and no tool mistakes it for live code) and holds ``@@token@@``
placeholders, replaced by plain substitution, not Jinja, because the skeleton itself
contains a Jinja report template. Folder names may hold tokens too (``src/@@pkg@@``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from gapaudit import __version__
from gapaudit.module import MODULE_ID

NAME = re.compile(r"^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)*$")
MAX_NAME = 40
TEMPLATE_DIR = "plugin_template"


class PluginNameError(ValueError):
    """The plugin name cannot become a package, entry point and module id."""


def tokens(name: str, chains: Sequence[str] = ()) -> dict[str, str]:
    """Placeholder values derived from the plugin name (``my-chain`` → package ``gapaudit_my_chain``).

    ``chains`` (``store.chain`` names) scope the plugin to those chains; without them it applies only
    to audits that require it.
    """
    if len(name) > MAX_NAME or not NAME.match(name):
        raise PluginNameError(f"{name!r} is not a valid plugin name: use lowercase letters, digits and single "
                              f"'-' or '_' between them, starting with a letter (at most {MAX_NAME} characters), "
                              "e.g. acme or my-chain")
    slug = name.replace("-", "_")
    module_id = f"{slug}_checks"
    if not MODULE_ID.match(module_id):  # pragma: no cover - NAME already guarantees it
        raise PluginNameError(f"{name!r} does not give a valid module id")
    words = re.split(r"[_-]", name)
    chains = list(dict.fromkeys(c.strip() for c in chains))
    for chain in chains:
        if not chain or len(chain) > 200 or any(ord(ch) < 32 for ch in chain):
            raise PluginNameError(f"{chain!r} is not a chain name: give store.chain as the audits write it "
                                  "(1 to 200 characters, no control characters)")
    if chains:
        scope = f"Scope(chains={json.dumps(chains, ensure_ascii=False)})"
        scope_doc = "Audits of the chain " + " / ".join(chains) + " (store.chain), and audits that require us."
        make_ours = f"audit[\"store\"][\"chain\"] = {json.dumps(chains[0], ensure_ascii=False)}"
        scope_readme = ("It applies to the stores of " + ", ".join(f"`{c}`" for c in chains) + " (`store.chain`); "
                        "any other audit can opt in with `plugins: {require: [" + slug + "]}`.")
    else:
        scope = "Scope()"
        scope_doc = "Only audits that ask for us: plugins: {require: [...]} or a modules.<id> block."
        make_ours = f"audit[\"plugins\"] = {{\"require\": [\"{slug}\"]}}"
        scope_readme = ("It applies only to audits that ask for it (`plugins: {require: [" + slug + "]}` or a "
                        "`modules." + module_id + "` block); `gapaudit plugin new " + name + " --chain NAME` scopes "
                        "it to a chain instead.")
    return {
        "name": slug,
        "dist": name.replace("_", "-"),
        "pkg": f"gapaudit_{slug}",
        "module_id": module_id,
        "Class": "".join(w.capitalize() for w in words) + "Checks",
        "title": " ".join(w.capitalize() for w in words) + " checks",
        "gapaudit_version": __version__,
        "scope": scope,
        "scope_doc": scope_doc,
        "make_ours": make_ours,
        "scope_readme": scope_readme,
    }


def _fill(text: str, values: dict[str, str]) -> str:
    return re.sub(r"@@(\w+)@@", lambda m: values[m.group(1)], text)


def _walk(node: Traversable, rel: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Traversable]]:
    out = []
    for child in sorted(node.iterdir(), key=lambda c: c.name):
        if child.name == "__pycache__":
            continue
        if child.is_dir():
            out.extend(_walk(child, rel + (child.name,)))
        elif child.name.endswith(".j2"):
            out.append((rel + (child.name,), child))
    return out


def new_plugin(name: str, directory: Path | None = None, *, force: bool = False,
               chains: Sequence[str] = ()) -> list[Path]:
    """Write the skeleton of plugin ``name`` into ``directory`` (default ``./gapaudit-<name>``), scoped to ``chains``.

    Raises :class:`PluginNameError` for a bad name and FileExistsError (naming the file) when a
    file would be overwritten without ``force``. Returns the files written.
    """
    values = tokens(name, chains)
    directory = Path(directory) if directory is not None else Path(f"gapaudit-{values['dist']}")
    planned: list[tuple[Path, str]] = []
    for rel, source in _walk(files(__package__).joinpath(TEMPLATE_DIR)):
        parts = [_fill(p, values) for p in rel]
        parts[-1] = parts[-1][: -len(".j2")]
        planned.append((directory.joinpath(*parts), _fill(source.read_text("utf-8"), values)))
    if not force:
        for target, _ in planned:
            if target.exists():
                raise FileExistsError(str(target))
    for target, text in planned:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return [target for target, _ in planned]
