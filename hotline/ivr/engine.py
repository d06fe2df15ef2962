"""The IVR engine: (flow, state, keys pressed) -> what happens next. Pure: no I/O, no clock."""

from __future__ import annotations

import logging
import string
from dataclasses import dataclass, replace

from hotline.ivr.model import (
    Flow,
    FlowError,
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


def start(flow: Flow, language: str | None = None) -> Outcome:
    """A new call: enter the flow's start node (in the default language unless given)."""
    return _enter(flow, flow.start, flow.resolve_language(language), None, ())


def advance(flow: Flow, state: IvrState, digits: str | None) -> Outcome:
    """The caller answered the menu at `state` with `digits` (None or "" for no input)."""
    language = flow.resolve_language(state.language)
    node = flow.nodes.get(state.node_id)
    if not isinstance(node, Menu):
        # Not waiting for a key (or the node is gone after a deploy): carry on from there.
        return resume(flow, state)
    state = replace(state, language=language)
    key = (digits or "").strip()
    option = node.options.get(key) if key else None
    if option is not None and not option.offered_to(language):
        option = None  # a key for callers in another language: a wrong key here
    if option is None:
        return _failed(flow, node, state, node.on_invalid if key else node.on_no_input)
    if option.action == "repeat":
        # A repeat is the caller asking for help, not a failure: attempts stay as they were.
        return _ask(flow, node, state, ())
    if option.goto is None:
        return _failed(flow, node, state, node.on_invalid)
    return _enter(flow, option.goto, language, option.category or state.category, ())


def resume(flow: Flow, state: IvrState) -> Outcome:
    """Replay where the caller is; restart the flow (same language) if the node is gone."""
    language = flow.resolve_language(state.language)
    node = flow.nodes.get(state.node_id)
    if node is None:
        logger.info("flow %s has no node %s any more: restarting", flow.id, state.node_id)
        return start(flow, language)
    if isinstance(node, Menu):
        return _ask(flow, node, replace(state, language=language), ())
    return _enter(flow, node.id, language, state.category, ())


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
    if not names:
        return spoken
    text = "".join(
        literal + ("" if name is None else str(params[name]))
        for literal, name, _, _ in string.Formatter().parse(spoken.text)
    )
    # A recording cannot say the values: with placeholders, the text is always spoken.
    return SpokenPrompt(text, spoken.say_language)


def _enter(
    flow: Flow,
    node_id: str,
    language: str,
    category: str | None,
    said: tuple[SpokenPrompt, ...],
) -> Outcome:
    """Go to a node, passing through say and language nodes, until the caller must be answered."""
    passed: set[str] = set()
    while True:
        node = flow.nodes.get(node_id)
        if node is None or node_id in passed:
            return _broken(flow, node_id, language, category, said)
        passed.add(node_id)
        state = IvrState(node_id, language, 0, category)
        if isinstance(node, Menu):
            return _ask(flow, node, state, said)
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


def _ask(flow: Flow, menu: Menu, state: IvrState, said: tuple[SpokenPrompt, ...]) -> Ask:
    prompts = (*said, *_speak(flow, menu.prompt, state.language))
    return Ask(state, prompts, num_digits=1, timeout_s=menu.timeout_s or DEFAULT_TIMEOUT_S)


def _failed(flow: Flow, menu: Menu, state: IvrState, notice: Prompts) -> Outcome:
    """A wrong key or silence: say why and ask again, or give up after max_attempts."""
    attempts = state.attempts + 1
    if attempts >= menu.max_attempts:
        if menu.on_exhausted is None:
            return TakeMessage(replace(state, attempts=attempts), state.category, ())
        return _enter(flow, menu.on_exhausted, state.language, state.category, ())
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
