"""Read flow files: YAML, then the JSON Schema, then model.Flow; cached per file version."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Hashable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from hotline.ivr.model import (
    Flow,
    FlowError,
    Hangup,
    Language,
    Lookup,
    Menu,
    Node,
    Option,
    Prompt,
    Prompts,
    Routing,
    Say,
    SetLanguage,
    Transfer,
    Voicemail,
)

__all__ = [
    "SCHEMA_PATH",
    "FlowError",
    "load_flow",
    "parse_flow",
    "read_flow_yaml",
    "schema_problems",
]

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "ivr_flows" / "schema.json"

# Keys of a prompt that are not the text of a language.
_PROMPT_SETTINGS = frozenset({"audio", "speak_in", "only_for"})


class _FlowYamlLoader(yaml.SafeLoader):
    """SafeLoader that keeps mapping keys as written: `1:` stays "1" and `no:` stays "no"."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        self.flatten_mapping(node)
        mapping: dict[Hashable, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a plain word or number", key_node.start_mark
                )
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping


def load_flow(path: Path) -> Flow:
    """Load and schema-check a flow file; FlowError lists every problem. Cached by path + mtime."""
    try:
        stat = path.stat()
    except OSError as exc:
        raise FlowError(f"{path}: cannot read the file ({exc.strerror})") from exc
    # Keyed on the path as given (settings make it absolute): resolving it on every webhook
    # cost more than the stat.
    return _load_version(path, stat.st_mtime_ns, stat.st_size)


# Webhooks call load_flow on every request: parse a file again only when it changes on disk.
@functools.lru_cache(maxsize=32)
def _load_version(path: Path, mtime_ns: int, size: int) -> Flow:
    data, duplicates = read_flow_yaml(path)
    if duplicates:
        raise FlowError(duplicates)
    if not isinstance(data, Mapping):
        raise FlowError(schema_problems(data))
    return parse_flow(data)


def parse_flow(data: Mapping[str, Any]) -> Flow:
    """Build a Flow from already-read data, after checking it against schema.json."""
    data = _string_keys(data)
    problems = schema_problems(data)
    if problems:
        raise FlowError(problems)
    return Flow(
        id=data["id"],
        version=data["version"],
        languages=tuple(Language(item["code"], item["say_language"]) for item in data["languages"]),
        start=data["start"],
        nodes={node_id: _node(node_id, raw) for node_id, raw in data["nodes"].items()},
        messages={key: _prompt(raw) for key, raw in data["messages"].items()},
        routing=Routing(**data.get("routing", {})),
    )


def read_flow_yaml(path: Path) -> tuple[object, list[str]]:
    """The file's data and its duplicate-key problems; FlowError if it is unreadable or not YAML."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FlowError(f"{path}: cannot read the file ({exc})") from exc
    loader = _FlowYamlLoader(text)
    try:
        root = loader.get_single_node()
        if root is None:
            raise FlowError(f"{path.name}: the file is empty")
        # PyYAML keeps the last of two equal keys: a second "1" option would silently win.
        duplicates = list(_duplicate_keys(root, (), set()))
        data = loader.construct_document(root)
    except yaml.YAMLError as exc:
        raise FlowError(_yaml_problem(path, exc)) from exc
    finally:
        loader.dispose()
    return data, duplicates


def schema_problems(data: object) -> list[str]:
    """One line per place where `data` breaks schema.json (empty when it conforms)."""
    return [
        f"{_label(list(error.absolute_path))}: {_schema_message(error)}"
        for error in _validator().iter_errors(data)
    ]


@functools.cache
def _validator() -> Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return Draft202012Validator(schema)


def _schema_message(error: ValidationError) -> str:
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    description = schema.get("description")
    if not isinstance(description, str):
        return error.message
    # jsonschema's own wording for these ("... is not valid under any of the given schemas",
    # a raw regex) means nothing to an operator; the schema's description says what is wanted.
    if error.validator in ("oneOf", "anyOf"):
        return description
    if error.validator == "pattern":
        return f"{error.instance!r} is not allowed: {description}"
    patterns = schema.get("patternProperties")
    instance = error.instance
    if error.validator == "additionalProperties" and patterns and isinstance(instance, Mapping):
        # A prompt's keys are language codes plus a few settings: name the keys that are neither
        # (jsonschema would print the regex).
        known = schema.get("properties", {})
        unexpected = [
            repr(key)
            for key in instance
            if key not in known and not any(re.search(pattern, key) for pattern in patterns)
        ]
        return f"{', '.join(unexpected)} is not allowed: {description}"
    return error.message


def _label(path: Sequence[str | int]) -> str:
    """Where in the file: a node id or message key first, e.g. "main_menu: options.1.goto"."""
    if len(path) >= 2 and path[0] in ("nodes", "messages"):
        rest = _dotted(path[2:])
        return f"{path[1]}: {rest}" if rest else str(path[1])
    return _dotted(path) or "flow"


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text


def _duplicate_keys(node: yaml.Node, path: tuple[str | int, ...], seen: set[int]) -> Iterator[str]:
    if id(node) in seen:  # an alias: already walked (and anchors may be recursive)
        return
    seen.add(id(node))
    if isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, index), seen)
    elif isinstance(node, MappingNode):
        lines: dict[str, list[int]] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            lines.setdefault(key, []).append(key_node.start_mark.line + 1)
            yield from _duplicate_keys(value_node, (*path, key), seen)
        for key, at in lines.items():
            if len(at) > 1:
                yield _duplicate_problem(path, key, " and ".join(map(str, at)))


def _duplicate_problem(path: tuple[str | int, ...], key: str, lines: str) -> str:
    if path in (("nodes",), ("messages",)):
        return f"{key}: defined twice in {path[0]} (lines {lines})"
    if len(path) == 3 and path[0] == "nodes" and path[2] == "options":
        return f"{path[1]}: option '{key}' is given twice (lines {lines})"
    return f"{_label(path)}: '{key}' is given twice (lines {lines})"


def _yaml_problem(path: Path, exc: yaml.YAMLError) -> str:
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return f"{path.name}: not valid YAML ({exc})"
    problem = exc.problem or exc.context or "not valid YAML"
    hint = ""
    if "alias" in f"{exc.context} {exc.problem}":
        # A bare * starts a YAML alias: the star key has to be written "*".
        hint = ' (write the star key in quotes: "*")'
    return f"{path.name}: line {exc.problem_mark.line + 1}: {problem}{hint}"


def _string_keys(value: Any) -> Any:
    """Data from yaml.safe_load has int keys for `1:`; the schema and model want strings."""
    if isinstance(value, Mapping):
        return {str(key): _string_keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_string_keys(item) for item in value]
    return value


def _prompt(raw: Mapping[str, Any]) -> Prompt:
    text = {key: value for key, value in raw.items() if key not in _PROMPT_SETTINGS}
    return Prompt(
        text=text,
        audio=raw.get("audio", {}),
        speak_in=raw.get("speak_in"),
        only_for=_codes(raw.get("only_for")),
    )


def _prompts(raw: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None) -> Prompts:
    """A node's `prompt` (or on_invalid...): absent, one prompt, or a list said in order."""
    if raw is None:
        return ()
    if isinstance(raw, Mapping):
        return (_prompt(raw),)
    return tuple(_prompt(item) for item in raw)


def _codes(raw: str | Sequence[str] | None) -> frozenset[str]:
    """`only_for: zh` or `only_for: [zh, en]`; nothing given means every language."""
    if raw is None:
        return frozenset()
    return frozenset((raw,) if isinstance(raw, str) else raw)


def _node(node_id: str, raw: Mapping[str, Any]) -> Node:
    kind = raw["type"]
    prompt = _prompts(raw.get("prompt"))
    if kind == "menu":
        return Menu(
            id=node_id,
            prompt=prompt,
            options={
                key: Option(
                    goto=option.get("goto"),
                    category=option.get("category"),
                    action=option.get("action"),
                    only_for=_codes(option.get("only_for")),
                )
                for key, option in raw["options"].items()
            },
            timeout_s=raw.get("timeout_s"),
            max_attempts=raw.get("max_attempts", 3),
            on_invalid=_prompts(raw.get("on_invalid")),
            on_no_input=_prompts(raw.get("on_no_input")),
            on_exhausted=raw.get("on_exhausted"),
        )
    if kind == "say":
        return Say(id=node_id, prompt=prompt, next=raw["next"])
    if kind == "language":
        return SetLanguage(id=node_id, language=raw["language"], next=raw["next"], prompt=prompt)
    if kind == "lookup":
        return Lookup(
            id=node_id,
            lookup=raw["lookup"],
            by=raw["by"],
            found=_prompts(raw["found"]),
            next=raw["next"],
            not_found=raw.get("not_found"),
            prompt=prompt,
            max_digits=raw.get("max_digits", 6),
            timeout_s=raw.get("timeout_s"),
            max_attempts=raw.get("max_attempts", 3),
            on_not_found=_prompts(raw.get("on_not_found")),
            on_no_input=_prompts(raw.get("on_no_input")),
            on_exhausted=raw.get("on_exhausted"),
        )
    if kind == "transfer":
        return Transfer(id=node_id, prompt=prompt)
    if kind == "voicemail":
        return Voicemail(id=node_id, prompt=prompt)
    return Hangup(id=node_id, prompt=prompt)
