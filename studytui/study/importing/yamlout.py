"""A small YAML writer for topic files: plain data (dict, list, str, int, float, bool, None) only.

PyYAML's representer costs about half a millisecond per card in pure Python, so 100,000 imported
cards took minutes to write. This writes the same documents directly: multi-line text as `|-`
literal blocks (so the file reads like the notes), everything else as JSON-style double-quoted
scalars, which YAML reads identically; characters YAML does not allow raw are escaped. A test
round-trips arbitrary text through `yaml.safe_load`.
"""

from __future__ import annotations

import re
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from typing import Any, Iterable, Iterator

# Not printable in YAML (or line breaks YAML would normalize): escape them in quoted scalars.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")
# \Z, not $: `$` also matches before a final newline, which let the key "_\n" out unquoted.
_PLAIN_KEY = re.compile(r"(?!(?:y|n|yes|no|on|off|true|false|null)\Z)[a-z_][a-z0-9_]*\Z")


def _quoted(text: str) -> str:
    out = encode_basestring(text)  # what json.dumps(text, ensure_ascii=False) returns, without its wrapper
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group(0)):04x}", out) if _UNSAFE.search(out) else out


def _block_ok(text: str) -> bool:
    return ("\n" in text and not text[:1].isspace() and not text.endswith("\n") and "\r" not in text
            and not _UNSAFE.search(text))


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)  # YAML 1.1 (PyYAML) reads `1e+100` as a string: it wants `1.0e+100`
        return text.replace("e", ".0e") if "e" in text and "." not in text else text
    if isinstance(value, int):
        return str(value)
    return _quoted(str(value))


def _emit(value: Any, indent: int, out: list[str]) -> None:
    """Append the lines of `value` as the body of a mapping entry or list item at `indent`."""
    pad = " " * indent
    if isinstance(value, dict):
        for key, item in value.items():
            key_text = key if _PLAIN_KEY.match(str(key)) else _quoted(str(key))
            _entry(f"{pad}{key_text}:", item, indent, out)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and item:
                first = len(out)
                _emit(item, indent + 2, out)
                out[first] = f"{pad}- " + out[first][indent + 2:]
            else:
                _entry(f"{pad}-", item, indent, out)


def _entry(head: str, value: Any, indent: int, out: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append(f"{head} {{}}")
        else:
            out.append(head)
            _emit(value, indent + 2, out)
    elif isinstance(value, list):
        if not value:
            out.append(f"{head} []")
        else:
            out.append(head)
            _emit(value, indent, out) if head.endswith(":") and not head.lstrip().startswith("-") else \
                _emit(value, indent + 2, out)
    elif isinstance(value, str) and _block_ok(value):
        pad = " " * (indent + 2)
        out.append(f"{head} |-")
        out.extend(pad + line if line else "" for line in value.split("\n"))
    else:
        out.append(f"{head} {_scalar(value)}")


def dump(data: dict[str, Any]) -> str:
    out: list[str] = []
    _emit(data, 0, out)
    return "\n".join(out) + "\n"


def _flat_item(item: dict[str, Any]) -> str | None:
    """`dump([item])` for the common mapping of plain keys to strings and lists of strings (an
    imported card), written directly; None for anything else."""
    lines = []
    lead = "- "
    for key, value in item.items():
        if type(key) is not str or not _PLAIN_KEY.match(key):
            return None
        if type(value) is str:
            if _block_ok(value):
                lines.append(f"{lead}{key}: |-")
                lines.extend("    " + line if line else "" for line in value.split("\n"))
            else:
                lines.append(f"{lead}{key}: {_quoted(value)}")
        elif type(value) is list and all(type(v) is str for v in value):
            if value:
                lines.append(f"{lead}{key}:")
                lines.extend("  - " + _quoted(v) for v in value)
            else:
                lines.append(f"{lead}{key}: []")
        else:
            return None
        lead = "  "
    return "\n".join(lines) + "\n" if lines else None


def dump_items(key: str, items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """`key:` and a list of mappings, one chunk per item (to stream big lists to a file)."""
    yield f"{key}:\n"
    for item in items:
        yield (_flat_item(item) or dump([item])) if item else "- {}\n"
