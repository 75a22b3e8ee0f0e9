"""Load a YAML file into a pydantic model, reporting every problem as `file:line: what is wrong`.

PyYAML's node tree keeps the line of every value, so a pydantic error's location (a path of keys
and list indexes) is walked through the tree to find the line to blame.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from studytui.errors import StudytuiError

M = TypeVar("M", bound=BaseModel)


class YamlFileError(StudytuiError):
    """One or more problems in a YAML file; `problems` holds (line, message) pairs."""

    def __init__(self, path: Path, problems: list[tuple[int, str]]):
        self.path = Path(path)
        self.problems = sorted(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        return [f"{self.path}:{line}: {message}" for line, message in self.problems]


def _line_of(node: yaml.Node | None) -> int:
    return node.start_mark.line + 1 if node is not None else 1


def _child(node: yaml.Node, key: object) -> yaml.Node | None:
    """The node under `key` (a mapping key or a list index), or None."""
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if k.value == str(key):
                return v
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _node_at(root: yaml.Node, loc: tuple[object, ...]) -> tuple[yaml.Node, bool]:
    """The deepest node along `loc`, and whether the whole path was found."""
    node, complete = root, True
    for key in loc:
        child = _child(node, key)
        if child is None:  # e.g. pydantic's union tags ("function-after[...]") are not in the file
            complete = False
            continue
        node = child
    return node, complete


def _tree_problems(root: yaml.Node) -> list[tuple[int, str]]:
    """Duplicate keys (PyYAML silently keeps the last) and aliases, in one linear walk.

    An alias makes two places of the tree share one node; a few nested ones (a "billion laughs"
    file of 500 bytes) expand to more values than any machine can walk, so studytui files may not
    use them at all. Each node is visited once, and a shared one is reported instead of walked."""
    found: list[tuple[int, str]] = []
    seen_nodes: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen_nodes:
            found.append((_line_of(node), "YAML anchors and aliases (&name / *name) are not allowed here; write the value out"))
            continue
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            keys: set[str] = set()
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode):
                    if k.value in keys:
                        found.append((_line_of(k), f"duplicate key '{k.value}'"))
                    keys.add(k.value)
                stack += [k, v]
        elif isinstance(node, yaml.SequenceNode):
            stack += node.value
    return sorted(set(found))


MAX_DEPTH = 200  # libyaml's composer recurses in C: some 20 000 levels crash the process


def _check_depth(path: Path, text: str) -> None:
    """Refuse absurd nesting before composing. The event pass is only paid for texts with many
    openers (a deck file has a few hundred)."""
    if text.count("[") + text.count("{") + text.count("- ") + text.count("? ") < 2000:
        return
    depth = 0
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlFileError(path, [(event.start_mark.line + 1, f"YAML nested more than {MAX_DEPTH} levels deep")])
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        return  # the real parse reports it with its line


MAX_YAML_BYTES = 64 * 1024 * 1024  # stops /dev/zero or a runaway import; above any deck (a 100,000-
# question import, benchmarks/importer.py, writes a 56 MB topic file: 16 MB refused it)


def read_capped(path: Path) -> str:
    """A YAML file's text; YamlFileError past MAX_YAML_BYTES (read no further), OSError, UnicodeDecodeError."""
    return read_capped_bytes(path)[0].decode("utf-8")


def read_capped_bytes(path: Path) -> tuple[bytes, os.stat_result]:
    """A YAML file's bytes and the status of the same open file (size, mtime: a cache key that
    matches what was read); YamlFileError past MAX_YAML_BYTES (read no further), OSError."""
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        data = f.read(MAX_YAML_BYTES + 1)
    if len(data) > MAX_YAML_BYTES:
        raise YamlFileError(path, [(1, f"the file is larger than {MAX_YAML_BYTES // 2**20} MB; refusing to read it")])
    return data, st


def digest_capped(path: Path) -> tuple[os.stat_result, str]:
    """The status and SHA-1 of a YAML file, read in pieces (a cache hit never holds the file in
    memory); YamlFileError past MAX_YAML_BYTES, OSError."""
    digest, size = hashlib.sha1(), 0
    with open(path, "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        buffer = bytearray(min(max(st.st_size + 1, 4096), 1 << 20))  # a small file: one small read
        view = memoryview(buffer)
        while n := f.readinto(buffer):
            size += n
            if size > MAX_YAML_BYTES:
                raise YamlFileError(path, [(1, f"the file is larger than {MAX_YAML_BYTES // 2**20} MB; refusing to read it")])
            digest.update(view[:n])
    return st, digest.hexdigest()


def _describe(loc: tuple[object, ...]) -> str:
    parts = []
    for key in loc:
        parts.append(f"[{key}]" if isinstance(key, int) else (("." if parts else "") + str(key)))
    return "".join(parts)


def parse_yaml(path: Path, text: str | None = None) -> tuple[object, yaml.Node]:
    """The data and the node tree of a YAML file; syntax errors raise YamlFileError."""
    path = Path(path)
    try:
        if text is None:
            text = read_capped(path)
    except UnicodeDecodeError as exc:
        raise YamlFileError(path, [(1, f"not UTF-8 text ({exc.reason})")]) from None
    except OSError as exc:
        raise YamlFileError(path, [(1, f"cannot read: {exc.strerror}")]) from None
    if len(text) > MAX_YAML_BYTES:
        raise YamlFileError(path, [(1, f"the text is larger than {MAX_YAML_BYTES // 2**20} MB; refusing to parse it")])
    _check_depth(path, text)
    try:
        # One parse (libyaml when available); the data is built from the same node tree, only
        # after the tree is known to hold no aliases.
        root = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise YamlFileError(path, [(line, f"YAML syntax: {exc.problem or exc.context}")]) from None
    except yaml.YAMLError as exc:
        raise YamlFileError(path, [(1, f"YAML: {exc}")]) from None
    except RecursionError:
        raise YamlFileError(path, [(1, "YAML: nested too deeply")]) from None
    if root is None:
        raise YamlFileError(path, [(1, "the file is empty")])
    problems = _tree_problems(root)
    if problems:
        raise YamlFileError(path, problems)
    try:
        data = yaml.SafeLoader("").construct_document(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlFileError(path, [(mark.line + 1 if mark else 1, f"YAML: {exc.problem or exc.context}")]) from None
    except (yaml.YAMLError, RecursionError, ValueError) as exc:
        raise YamlFileError(path, [(1, f"YAML: {exc}")]) from None
    return data, root


def load_model(path: Path, model: type[M], text: str | None = None) -> M:
    """Parse `path` and validate it as `model`; every problem is reported with its line."""
    return load_model_and_tree(path, model, text)[0]


def load_model_and_tree(path: Path, model: type[M], text: str | None = None) -> tuple[M, yaml.Node]:
    """Like load_model, and also the YAML node tree (for the lines of later checks)."""
    data, root = parse_yaml(path, text)
    try:
        return model.model_validate(data), root
    except ValidationError as exc:
        problems: set[tuple[int, str]] = set()
        for err in exc.errors():
            loc = tuple(err["loc"])
            if _wrong_union_branch(root, loc):
                continue
            keys = tuple(k for k in loc if _present(root, loc, k))
            node, _ = _node_at(root, loc)
            msg = err["msg"].removeprefix("Value error, ")
            where = _describe(keys)
            if err["type"] == "missing":
                msg = f"missing field '{loc[-1]}'"
                where = _describe(keys[:-1] if keys and keys[-1] == loc[-1] else keys)
            elif err["type"] == "extra_forbidden":
                msg = f"unknown field '{loc[-1]}'"
                where = _describe(keys[:-1])
                node = _key_node(root, loc) or node
            problems.add((_line_of(node), f"{where}: {msg}" if where else msg))
        if not problems:  # every error came from a union branch that does not apply
            problems.add((1, exc.errors()[0]["msg"]))
        raise YamlFileError(path, sorted(problems)) from None


def _wrong_union_branch(root: yaml.Node, loc: tuple[object, ...]) -> bool:
    """An error from the list branch of `X | list[X]` when the file has a mapping there (or the
    reverse) says nothing useful: the other branch's error is the one to report."""
    for i, key in enumerate(loc):
        if isinstance(key, str) and not _present(root, loc, key):
            node, complete = _node_at(root, loc[:i])
            if complete:
                is_list_branch = key.startswith("list[")
                if is_list_branch != isinstance(node, yaml.SequenceNode):
                    return True
    return False


def _present(root: yaml.Node, loc: tuple[object, ...], key: object) -> bool:
    """Whether `key` of `loc` names something in the file (not a pydantic union tag)."""
    return not (isinstance(key, str) and ("[" in key or key.startswith(("function-", "list[", "union["))))


def line_of(root: yaml.Node, *keys: object) -> int:
    """The line of the value at `keys` (or of the deepest part of it that exists)."""
    return _line_of(_node_at(root, keys)[0])


def _key_node(root: yaml.Node, loc: tuple[object, ...]) -> yaml.Node | None:
    """The node of the key itself (for unknown-field errors, the key is what is wrong)."""
    parent, _ = _node_at(root, loc[:-1])
    if isinstance(parent, yaml.MappingNode):
        for k, _ in parent.value:
            if k.value == str(loc[-1]):
                return k
    return None
