"""The flow check: what a schema cannot say (targets exist, languages complete, no dead loops)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from hotline.ivr.loader import parse_flow, read_flow_yaml, schema_problems
from hotline.ivr.model import (
    LOOKUPS,
    OPTION_KEYS,
    SYSTEM_MESSAGES,
    Flow,
    FlowError,
    Hangup,
    Lookup,
    Menu,
    Node,
    Prompt,
    Prompts,
    Say,
    SetLanguage,
    Transfer,
    Voicemail,
    placeholders,
)

EXITS = (Transfer, Voicemail, Hangup)


@dataclass(frozen=True)
class Findings:
    """What the flow's picture shows beside it: the check's problems, and three kinds of them
    by node."""

    unreachable: tuple[str, ...]  # node ids nothing leads to from the start
    dead_ends: tuple[str, ...]  # node ids from which no transfer, voicemail or hangup is reached
    missing_language: tuple[str, ...]  # "<node or message> <what>: <language>"
    problems: tuple[str, ...]  # every line of check_flow, these included

    @property
    def clean(self) -> bool:
        """True if the check found nothing."""
        return not self.problems


def findings(flow: Flow) -> Findings:
    """The check's problems with a loaded flow, and its unreachable nodes, dead ends and prompts
    missing a language."""
    exits = [node_id for node_id, node in flow.nodes.items() if isinstance(node, EXITS)]
    can_exit = _reachable(flow, exits, forward=False)
    reached = _reachable(flow, [flow.start], forward=True) if flow.start in flow.nodes else set()
    missing = [
        f"{where} {what}: {code}"
        for where, what, prompt in prompt_places(flow)
        if prompt.speak_in is None or prompt.speak_in in _codes(flow)
        for code in said_in(flow, prompt)
        if not prompt.text.get(code, "").strip()
    ]
    return Findings(
        unreachable=tuple(node_id for node_id in flow.nodes if node_id not in reached),
        dead_ends=tuple(node_id for node_id in flow.nodes if node_id not in can_exit),
        missing_language=tuple(missing),
        problems=tuple(check_flow(flow)),
    )


def prompt_places(flow: Flow) -> Iterator[tuple[str, str, Prompt]]:
    """Every prompt of the flow with where it is said: (node id or message key, what, prompt);
    `what` is named as in the file (prompt, prompt[1], on_invalid, message ...)."""
    for node_id, node in flow.nodes.items():
        lists: list[tuple[str, Prompts]] = [("prompt", node.prompt)]
        if isinstance(node, Menu):
            lists += [("on_invalid", node.on_invalid), ("on_no_input", node.on_no_input)]
        if isinstance(node, Lookup):
            lists += [
                ("found", node.found),
                ("on_not_found", node.on_not_found),
                ("on_no_input", node.on_no_input),
            ]
        for what, prompts in lists:
            for index, prompt in enumerate(prompts):
                yield node_id, what if len(prompts) == 1 else f"{what}[{index}]", prompt
    for key, prompt in flow.messages.items():
        yield key, "message", prompt


def said_in(flow: Flow, prompt: Prompt) -> list[str]:
    """The languages a prompt is ever said in: its pin, else those it is said to."""
    if prompt.speak_in is not None:
        return [prompt.speak_in]
    return [code for code in _codes(flow) if prompt.said_to(code)]


def check_file(path: Path | str) -> list[str]:
    """Every problem in a flow file, one line each (empty if it is fine); never raises for it."""
    path = Path(path)
    try:
        data, problems = read_flow_yaml(path)
    except FlowError as exc:
        return list(exc.problems)
    schema = schema_problems(data)
    if schema or not isinstance(data, Mapping):
        return problems + schema  # the semantic check needs a flow that fits the schema
    try:
        flow = parse_flow(data)
    except FlowError as exc:
        return problems + list(exc.problems)
    if flow.id != path.stem:
        problems.append(f"id: '{flow.id}' does not match the file name {path.name}")
    return problems + check_flow(flow)


def check_flow(flow: Flow) -> list[str]:
    """Every semantic problem in a loaded flow, one line each, starting with a node id or key."""
    problems = list(_check_languages(flow))
    if flow.start not in flow.nodes:
        problems.append(f"start: '{flow.start}' is not a node")
    for node_id, node in flow.nodes.items():
        if node.id != node_id:
            problems.append(f"{node_id}: the node's id says '{node.id}'")
        problems += _check_node(flow, node)
    for where, what, prompt in prompt_places(flow):
        problems += _check_prompt(flow, where, what, prompt)
    problems += _check_unreachable(flow)
    problems += _check_dead_loops(flow)
    problems += _check_messages(flow)
    return problems


def edges(node: Node) -> list[tuple[str, str]]:
    """The (how, target node id) pairs leading out of a node, e.g. ("option '1'", "confirm")."""
    if isinstance(node, Menu):
        out = [(f"option '{key}'", opt.goto) for key, opt in node.options.items() if opt.goto]
        if node.on_exhausted is not None:
            out.append(("on_exhausted", node.on_exhausted))
        return out
    if isinstance(node, Say | SetLanguage):
        return [("next", node.next)]
    if isinstance(node, Lookup):
        out = [("next", node.next)]
        if node.not_found is not None:
            out.append(("not_found", node.not_found))
        if node.on_exhausted is not None:
            out.append(("on_exhausted", node.on_exhausted))
        return out
    return []


def _check_languages(flow: Flow) -> Iterator[str]:
    seen: set[str] = set()
    for language in flow.languages:
        if language.code in seen:
            yield f"languages: '{language.code}' is listed twice"
        seen.add(language.code)


def _check_node(flow: Flow, node: Node) -> Iterator[str]:
    for how, target in edges(node):
        if target not in flow.nodes:
            yield f"{node.id}: {how} goes to '{target}', which is not a node"
    if isinstance(node, Menu):
        yield from _check_menu(flow, node)
    if isinstance(node, Lookup):
        yield from _check_lookup(flow, node)
    if isinstance(node, SetLanguage) and node.language not in _codes(flow):
        yield f"{node.id}: language '{node.language}' is not one of the flow's languages"


def _check_menu(flow: Flow, menu: Menu) -> Iterator[str]:
    if not menu.options:
        yield f"{menu.id}: the menu has no options"
    for key, option in menu.options.items():
        if key not in OPTION_KEYS:
            yield f"{menu.id}: option '{key}' must be a single key 0-9 or *"
        if (option.goto is None) == (option.action is None):
            yield f"{menu.id}: option '{key}' needs either goto or action: repeat"
        for code in _unknown(flow, option.only_for):
            yield f"{menu.id}: option '{key}' is only_for '{code}', not one of the flow's languages"
    if menu.timeout_s is None or menu.timeout_s < 1:
        yield f"{menu.id}: the menu needs timeout_s (seconds to wait for a key)"
    if menu.max_attempts < 1:
        yield f"{menu.id}: max_attempts must be at least 1"
    if not menu.on_invalid:
        yield f"{menu.id}: the menu needs on_invalid (what to say after a wrong key)"
    if menu.on_exhausted is None:
        yield f"{menu.id}: the menu needs on_exhausted (where to go after repeated failures)"
    for code in _codes(flow):
        # only_for can leave every part out: the caller would wait in silence for a key.
        if not any(prompt.said_to(code) for prompt in menu.prompt):
            yield f"{menu.id}: the menu says nothing to callers in '{code}'"


def _check_lookup(flow: Flow, node: Lookup) -> Iterator[str]:
    allowed = LOOKUPS.get(node.lookup)
    if allowed is None:
        yield f"{node.id}: lookup '{node.lookup}' is not one the line knows ({', '.join(LOOKUPS)})"
        allowed = frozenset()
    if not node.found:
        yield f"{node.id}: the lookup needs found (what to say when it finds something)"
    for index, prompt in enumerate(node.found):
        what = "found" if len(node.found) == 1 else f"found[{index}]"
        yield from _check_found_placeholders(node.id, what, prompt, allowed)
    if node.by == "caller":
        if node.not_found is None:
            yield f"{node.id}: a lookup by caller needs not_found (where to go if nothing is found)"
        return
    if not node.prompt:
        yield f"{node.id}: a lookup by keys needs a prompt (asking for the digits)"
    if node.timeout_s is None or node.timeout_s < 1:
        yield f"{node.id}: a lookup by keys needs timeout_s (seconds to wait for the digits)"
    if not node.on_not_found:
        yield f"{node.id}: a lookup by keys needs on_not_found (what to say for a wrong number)"
    if node.on_exhausted is None:
        yield f"{node.id}: a lookup by keys needs on_exhausted (where to go after failures)"


def _check_found_placeholders(
    where: str, what: str, prompt: Prompt, allowed: frozenset[str]
) -> Iterator[str]:
    """A found prompt may use any of the lookup's values, the same ones in every language."""
    used: dict[str, frozenset[str]] = {}
    for code, text in prompt.text.items():
        try:
            used[code] = placeholders(text)
        except FlowError as exc:
            yield f"{where}: {what} {code} text: {exc}"
    for name in sorted(frozenset().union(*used.values()) - allowed):
        yield f"{where}: {what} has unknown placeholder {{{name}}} (it can use: {_braces(allowed)})"
    if len(set(used.values())) > 1:
        each = "; ".join(f"{code} has {_braces(names) or 'none'}" for code, names in used.items())
        yield f"{where}: {what}: placeholders differ between languages: {each}"


def _check_prompt(flow: Flow, where: str, what: str, prompt: Prompt) -> Iterator[str]:
    codes = _codes(flow)
    for code in _unknown(flow, prompt.only_for):
        yield f"{where}: {what} is only_for '{code}', not one of the flow's languages"
    pin = prompt.speak_in
    if pin is not None and pin not in codes:
        # Its text for the pin would be reported too: one line says what to fix.
        yield f"{where}: {what} is pinned to '{pin}' (speak_in), not one of the flow's languages"
        return
    # A pinned prompt is only ever said in its pin; others in each language they are said to.
    spoken = said_in(flow, prompt)
    for code in spoken:
        if not prompt.text.get(code, "").strip():
            pinned = f" (it is pinned to '{pin}' with speak_in)" if pin is not None else ""
            yield f"{where}: {what} has no '{code}' text{pinned}"
    for kind, given in (("text", prompt.text), ("audio", prompt.audio)):
        for code in given:
            if code not in codes:
                yield f"{where}: {what} has {kind} for '{code}', not one of the flow's languages"
            elif code not in spoken:
                why = f"speak_in: {pin}" if pin is not None else f"only_for: {_listed(prompt)}"
                yield f"{where}: {what} has {kind} for '{code}' that is never said ({why})"


def _check_unreachable(flow: Flow) -> Iterator[str]:
    if flow.start not in flow.nodes:
        return  # reported once as a bad start, not once per node
    reached = _reachable(flow, [flow.start], forward=True)
    for node_id in flow.nodes:
        if node_id not in reached:
            yield f"{node_id}: unreachable: nothing leads here from the start node"


def _check_dead_loops(flow: Flow) -> Iterator[str]:
    """Cycles the caller can never leave for a person, a voicemail or a hang-up."""
    exits = [node_id for node_id, node in flow.nodes.items() if isinstance(node, EXITS)]
    can_exit = _reachable(flow, exits, forward=False)
    trapped = [node_id for node_id in flow.nodes if node_id not in can_exit]
    reported: set[str] = set()
    for node_id in trapped:
        if node_id in reported:
            continue
        ahead = _reachable(flow, [node_id], forward=True, within=trapped, include_start=False)
        if node_id not in ahead:
            continue  # leads into a loop (reported there) or to a missing node (reported above)
        behind = _reachable(flow, [node_id], forward=False, within=trapped)
        loop = [other for other in trapped if other in ahead and other in behind]
        reported.update(loop)
        yield (
            f"{node_id}: loop with no exit through {', '.join(loop)}: "
            "it never reaches a transfer, voicemail or hangup"
        )


def _reachable(
    flow: Flow,
    starts: Iterable[str],
    forward: bool,
    within: Iterable[str] | None = None,
    include_start: bool = True,
) -> set[str]:
    """Node ids reachable from `starts` (following edges backwards unless `forward`)."""
    allowed = set(flow.nodes if within is None else within)
    links: dict[str, set[str]] = {node_id: set() for node_id in flow.nodes}
    for node_id, node in flow.nodes.items():
        for _, target in edges(node):
            if target in links:
                if forward:
                    links[node_id].add(target)
                else:
                    links[target].add(node_id)
    todo = [s for s in starts if s in allowed]
    seen: set[str] = set(todo) if include_start else set()
    while todo:
        for nxt in links.get(todo.pop(), ()):
            if nxt in allowed and nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def _check_messages(flow: Flow) -> Iterator[str]:
    for key in SYSTEM_MESSAGES:
        if key not in flow.messages:
            yield f"{key}: required message is missing (the calls domain says it)"
    for key, prompt in flow.messages.items():
        yield from _check_placeholders(key, prompt, SYSTEM_MESSAGES.get(key))


def _check_placeholders(key: str, prompt: Prompt, expected: frozenset[str] | None) -> Iterator[str]:
    used: dict[str, frozenset[str]] = {}
    for code, text in prompt.text.items():
        try:
            used[code] = placeholders(text)
        except FlowError as exc:
            yield f"{key}: {code} text: {exc}"
    if len(set(used.values())) > 1:
        each = "; ".join(f"{code} has {_braces(names) or 'none'}" for code, names in used.items())
        yield f"{key}: placeholders differ between languages: {each}"
    all_used = frozenset().union(*used.values())
    if expected is not None:
        allowed = _braces(expected) or "none"
        for name in sorted(all_used - expected):
            yield f"{key}: unknown placeholder {{{name}}} (this message can use: {allowed})"
        for code, names in used.items():
            for name in sorted(expected - names):
                yield f"{key}: {code} text must include {{{name}}}"
    if all_used and prompt.audio:
        yield f"{key}: audio cannot say {_braces(all_used)}: remove the audio or the placeholder"


def _braces(names: Iterable[str]) -> str:
    return ", ".join(f"{{{name}}}" for name in sorted(names))


def _codes(flow: Flow) -> list[str]:
    return [language.code for language in flow.languages]


def _unknown(flow: Flow, codes: Iterable[str]) -> list[str]:
    """Those of `codes` that are not languages of the flow, sorted."""
    return sorted(set(codes) - set(_codes(flow)))


def _listed(prompt: Prompt) -> str:
    return ", ".join(sorted(prompt.only_for))
