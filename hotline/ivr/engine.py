"""The IVR engine: (flow, state, keys pressed) -> what happens next. Pure: no I/O, no clock."""

from __future__ import annotations

import logging
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from hotline.ivr.model import (
    Flow,
    FlowError,
    Lookup,
    Menu,
    Prompt,
    Prompts,
    Say,
    SetLanguage,
    Transfer,
    Voicemail,
    placeholders,
)

logger = logging.getLogger(__name__)

# Twilio's own <Gather> default, used only for a menu that lacks timeout_s (the check flags it).
DEFAULT_TIMEOUT_S = 5


@dataclass(frozen=True)
class IvrState:
    """Where a caller is: node, language, failed tries at this menu, category chosen so far."""

    node_id: str
    language: str
    attempts: int = 0
    category: str | None = None


@dataclass(frozen=True)
class SpokenPrompt:
    """One thing to say: text in a <Say language>, or an audio URL to play instead."""

    text: str
    say_language: str
    audio_url: str | None = None


@dataclass(frozen=True)
class Ask:
    """Say the prompts and wait for a key press (a menu)."""

    state: IvrState
    prompts: tuple[SpokenPrompt, ...]
    num_digits: int
    timeout_s: int


@dataclass(frozen=True)
class Connect:
    """Say the prompts, then put the caller through to a person."""

    state: IvrState
    category: str | None
    prompts: tuple[SpokenPrompt, ...]


@dataclass(frozen=True)
class TakeMessage:
    """Say the prompts, then let the caller leave a voicemail."""

    state: IvrState
    category: str | None
    prompts: tuple[SpokenPrompt, ...]


@dataclass(frozen=True)
class End:
    """Say the prompts and hang up."""

    state: IvrState
    prompts: tuple[SpokenPrompt, ...]


Outcome = Ask | Connect | TakeMessage | End

# What a lookup node asks of the calls domain: (lookup name, digits keyed or None for the
# caller's own number, language) -> the found prompt's values, or None when nothing is found.
LookupFn = Callable[[str, str | None, str], Mapping[str, str] | None]


def no_lookup(name: str, keys: str | None, language: str) -> Mapping[str, str] | None:
    """A lookup that never finds anything (for callers that give the engine none)."""
    return None


def start(flow: Flow, language: str | None = None, lookup: LookupFn = no_lookup) -> Outcome:
    """A new call: enter the flow's start node (in the default language unless given)."""
    return _enter(flow, flow.start, flow.resolve_language(language), None, (), lookup)


def advance(
    flow: Flow, state: IvrState, digits: str | None, lookup: LookupFn = no_lookup
) -> Outcome:
    """The caller answered the menu at `state` with `digits` (None or "" for no input)."""
    language = flow.resolve_language(state.language)
    node = flow.nodes.get(state.node_id)
    if isinstance(node, Lookup) and node.by == "keys":
        return _keyed(flow, node, replace(state, language=language), digits, lookup)
    if not isinstance(node, Menu):
        # Not waiting for a key (or the node is gone after a deploy): carry on from there.
        return resume(flow, state, lookup)
    state = replace(state, language=language)
    key = (digits or "").strip()
    option = node.options.get(key) if key else None
    if option is not None and not option.offered_to(language):
        option = None  # a key for callers in another language: a wrong key here
    if option is None:
        return _failed(flow, node, state, node.on_invalid if key else node.on_no_input, lookup)
    if option.action == "repeat":
        # A repeat is the caller asking for help, not a failure: attempts stay as they were.
        return _ask(flow, node, state, ())
    if option.goto is None:
        return _failed(flow, node, state, node.on_invalid, lookup)
    return _enter(flow, option.goto, language, option.category or state.category, (), lookup)


def resume(flow: Flow, state: IvrState, lookup: LookupFn = no_lookup) -> Outcome:
    """Replay where the caller is; restart the flow (same language) if the node is gone."""
    language = flow.resolve_language(state.language)
    node = flow.nodes.get(state.node_id)
    if node is None:
        logger.info("flow %s has no node %s any more: restarting", flow.id, state.node_id)
        return start(flow, language, lookup)
    if isinstance(node, Menu) or (isinstance(node, Lookup) and node.by == "keys"):
        return _ask(flow, node, replace(state, language=language), ())
    return _enter(flow, node.id, language, state.category, (), lookup)


def _keyed(
    flow: Flow, node: Lookup, state: IvrState, digits: str | None, lookup: LookupFn
) -> Outcome:
    """The caller keyed digits (or nothing) at a lookup by keys."""
    keys = (digits or "").strip()
    if not keys:
        return _failed(flow, node, state, node.on_no_input, lookup)
    found = lookup(node.lookup, keys, state.language)
    if found is None:
        return _failed(flow, node, state, node.on_not_found, lookup)
    said = _found(flow, node, state.language, found)
    return _enter(flow, node.next, state.language, state.category, said, lookup)


def _found(
    flow: Flow, node: Lookup, language: str, values: Mapping[str, str]
) -> tuple[SpokenPrompt, ...]:
    """The node's `found` prompts with the lookup's values filled in."""
    return tuple(_filled(spoken, values) for spoken in _speak(flow, node.found, language))


def message(flow: Flow, key: str, language: str, /, **params: object) -> SpokenPrompt:
    """A system message in `language` with its {placeholders} filled from `params`."""
    prompt = flow.messages.get(key)
    if prompt is None:
        raise FlowError(f"{key}: flow {flow.id} has no such message")
    spoken = _speak_one(flow, prompt, flow.resolve_language(language))
    try:
        names = placeholders(spoken.text)
    except FlowError as exc:
        raise FlowError(f"{key}: {exc}") from exc
    missing = sorted(names - params.keys())
    if missing:
        raise FlowError(f"{key}: no value given for {', '.join(missing)}")
    return _filled(spoken, params)


def _filled(spoken: SpokenPrompt, values: Mapping[str, object]) -> SpokenPrompt:
    """The prompt with its {placeholders} replaced (a missing value says nothing)."""
    try:
        parts = list(string.Formatter().parse(spoken.text))
    except ValueError:
        return spoken  # stray braces: the check reports them; say the text as written
    if all(name is None for _, name, _, _ in parts):
        return spoken
    text = "".join(
        literal + ("" if name is None else str(values.get(name, "")))
        for literal, name, _, _ in parts
    )
    # A recording cannot say the values: with placeholders, the text is always spoken.
    return SpokenPrompt(text, spoken.say_language)


def _enter(
    flow: Flow,
    node_id: str,
    language: str,
    category: str | None,
    said: tuple[SpokenPrompt, ...],
    lookup: LookupFn = no_lookup,
) -> Outcome:
    """Go to a node, passing through say, language and caller lookup nodes, until the caller
    must be answered."""
    passed: set[str] = set()
    while True:
        node = flow.nodes.get(node_id)
        if node is None or node_id in passed:
            return _broken(flow, node_id, language, category, said)
        passed.add(node_id)
        state = IvrState(node_id, language, 0, category)
        if isinstance(node, Menu):
            return _ask(flow, node, state, said)
        if isinstance(node, Lookup):
            if node.by == "keys":
                return _ask(flow, node, state, said)
            found = lookup(node.lookup, None, language)
            if found is None:
                node_id = node.not_found or ""
                continue
            said += _found(flow, node, language, found)
            node_id = node.next
            continue
        if isinstance(node, Say):
            said += _speak(flow, node.prompt, language)
            node_id = node.next
            continue
        if isinstance(node, SetLanguage):
            language = flow.resolve_language(node.language)
            said += _speak(flow, node.prompt, language)
            node_id = node.next
            continue
        said += _speak(flow, node.prompt, language)
        if isinstance(node, Transfer):
            return Connect(state, category, said)
        if isinstance(node, Voicemail):
            return TakeMessage(state, category, said)
        return End(state, said)  # a Hangup: the last kind of node


def _broken(
    flow: Flow,
    node_id: str,
    language: str,
    category: str | None,
    said: tuple[SpokenPrompt, ...],
) -> Outcome:
    """A target that does not exist, or say/language nodes in a loop: take a message instead."""
    logger.error("flow %s: node %s is missing or loops; taking a message", flow.id, node_id)
    apology = flow.messages.get("error_apology")
    if apology is not None:
        said += (_speak_one(flow, apology, language),)
    return TakeMessage(IvrState(node_id, language, 0, category), category, said)


def _ask(flow: Flow, menu: Menu | Lookup, state: IvrState, said: tuple[SpokenPrompt, ...]) -> Ask:
    """Say the node's prompt and wait: one key at a menu, up to max_digits (then #) at a lookup."""
    prompts = (*said, *_speak(flow, menu.prompt, state.language))
    digits = menu.max_digits if isinstance(menu, Lookup) else 1
    return Ask(state, prompts, num_digits=digits, timeout_s=menu.timeout_s or DEFAULT_TIMEOUT_S)


def _failed(
    flow: Flow,
    menu: Menu | Lookup,
    state: IvrState,
    notice: Prompts,
    lookup: LookupFn = no_lookup,
) -> Outcome:
    """A wrong key or silence: say why and ask again, or give up after max_attempts."""
    attempts = state.attempts + 1
    if attempts >= menu.max_attempts:
        if menu.on_exhausted is None:
            return TakeMessage(replace(state, attempts=attempts), state.category, ())
        return _enter(flow, menu.on_exhausted, state.language, state.category, (), lookup)
    said = _speak(flow, notice, state.language)
    return _ask(flow, menu, replace(state, attempts=attempts), said)


def _speak(flow: Flow, prompts: Prompts, language: str) -> tuple[SpokenPrompt, ...]:
    """A node's prompts in order, leaving out those meant only for callers in other languages."""
    return tuple(
        _speak_one(flow, prompt, language) for prompt in prompts if prompt.said_to(language)
    )


def _speak_one(flow: Flow, prompt: Prompt, language: str) -> SpokenPrompt:
    """The prompt in its pinned language, else in `language`; lacking that, it falls back."""
    language = prompt.speak_in or language
    if language not in prompt.text and flow.default_language in prompt.text:
        language = flow.default_language
    elif language not in prompt.text and prompt.text:
        language = next(iter(prompt.text))
    text, audio_url = prompt.for_language(language)
    return SpokenPrompt(text, flow.say_language(language), audio_url)
