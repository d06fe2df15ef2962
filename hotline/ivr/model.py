"""IVR flows as frozen dataclasses: what ivr_flows/*.yaml files load into."""

from __future__ import annotations

import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

# The system messages the calls domain speaks, each with the placeholders it fills in.
# Every flow must define all of them, in every language, using exactly these placeholders.
SYSTEM_MESSAGES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "ticket_number": frozenset({"digits"}),
        "connecting": frozenset(),
        "voicemail_intro": frozenset(),
        "nobody_available": frozenset(),
        "screening": frozenset({"community", "category"}),
        "screening_declined": frozenset(),
        "error_apology": frozenset(),
        "goodbye": frozenset(),
        "voicemail_saved": frozenset(),
        "ticket_number_again": frozenset({"digits"}),
        "ticket_number_repeat": frozenset(),
    }
)

# What a `lookup` node can look up, each with the placeholders its `found` prompt may use. The
# calls domain gives the engine the function behind each name.
LOOKUPS: Mapping[str, frozenset[str]] = MappingProxyType(
    {"ticket_status": frozenset({"ref", "status"})}
)

# Keys a caller can press for a menu option. "#" is left out: Twilio's <Gather> ends input on it.
OPTION_KEYS = frozenset("0123456789*")


class FlowError(Exception):
    """A flow is unusable; `problems` holds one human-readable line per problem."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems: tuple[str, ...] = (
            (problems,) if isinstance(problems, str) else tuple(problems)
        )
        super().__init__("\n".join(self.problems))


def placeholders(text: str) -> frozenset[str]:
    """The `{name}` placeholders in a message text; FlowError on stray braces or odd fields."""
    try:
        fields = [
            (name, spec, conversion)
            for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError as exc:
        raise FlowError("stray '{' or '}': write {{ or }} for a literal brace") from exc
    for name, spec, conversion in fields:
        # Only plain names: "{digits.__class__}" or "{0:>9}" have no business in a prompt.
        if not name.isidentifier() or spec or conversion:
            raise FlowError(f"placeholder {{{name}}} must be a plain name like {{digits}}")
    return frozenset(name for name, _, _ in fields)


@dataclass(frozen=True)
class Prompt:
    """Something said to the caller: text per language, optionally an audio URL per language.

    A prompt pinned with `speak_in` is always said in that language, whatever the call's
    language; one with `only_for` is said only to callers in one of those languages.
    """

    text: Mapping[str, str]
    audio: Mapping[str, str] = field(default_factory=dict)
    speak_in: str | None = None
    only_for: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        # Flows are cached and shared between requests: make them read-only.
        object.__setattr__(self, "text", MappingProxyType(dict(self.text)))
        object.__setattr__(self, "audio", MappingProxyType(dict(self.audio)))
        object.__setattr__(self, "only_for", frozenset(self.only_for))

    def for_language(self, language: str) -> tuple[str, str | None]:
        """The (text, audio URL or None) for `language`, else for the first language given."""
        if language not in self.text and self.text:
            language = next(iter(self.text))
        return self.text.get(language, ""), self.audio.get(language)

    def said_to(self, language: str) -> bool:
        """Whether a caller whose call is in `language` hears this prompt."""
        return not self.only_for or language in self.only_for


# What a node says: its prompts in order (an empty tuple says nothing).
Prompts = tuple[Prompt, ...]


@dataclass(frozen=True)
class Option:
    """One key of a menu: go to a node (optionally setting the call's category), or repeat.

    With `only_for`, the key works only for callers in those languages; for others it is a
    wrong key like any other.
    """

    goto: str | None = None
    category: str | None = None
    action: Literal["repeat"] | None = None
    only_for: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "only_for", frozenset(self.only_for))

    def offered_to(self, language: str) -> bool:
        """Whether the key works for a caller whose call is in `language`."""
        return not self.only_for or language in self.only_for


@dataclass(frozen=True)
class Menu:
    """Ask the caller to press a key; wrong keys and silence count towards `max_attempts`."""

    id: str
    prompt: Prompts
    options: Mapping[str, Option]
    timeout_s: int | None = None
    max_attempts: int = 3
    on_invalid: Prompts = ()
    on_no_input: Prompts = ()
    on_exhausted: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))


@dataclass(frozen=True)
class Say:
    """Say a prompt, then continue at `next` without waiting for the caller."""

    id: str
    prompt: Prompts
    next: str


@dataclass(frozen=True)
class SetLanguage:
    """Switch the call to `language` (optionally saying a prompt in it), then go to `next`."""

    id: str
    language: str
    next: str
    prompt: Prompts = ()


@dataclass(frozen=True)
class Transfer:
    """Put the caller through to the volunteer on duty."""

    id: str
    prompt: Prompts = ()


@dataclass(frozen=True)
class Voicemail:
    """Let the caller leave a message."""

    id: str
    prompt: Prompts = ()


@dataclass(frozen=True)
class Hangup:
    """End the call."""

    id: str
    prompt: Prompts = ()


@dataclass(frozen=True)
class Lookup:
    """Look something up for the caller: by their own number (`by: caller`) or by digits they
    key, ended with # (`by: keys`).

    Found: say `found`, its placeholders filled from what was found, and go on to `next`. Not
    found by the caller's number: go to `not_found`. Not found by keys: say `on_not_found` and
    ask again; wrong numbers and silences count towards `max_attempts`, then `on_exhausted`.
    """

    id: str
    lookup: str
    by: Literal["caller", "keys"]
    found: Prompts
    next: str
    not_found: str | None = None
    prompt: Prompts = ()
    max_digits: int = 6
    timeout_s: int | None = None
    max_attempts: int = 3
    on_not_found: Prompts = ()
    on_no_input: Prompts = ()
    on_exhausted: str | None = None


Node = Menu | Say | SetLanguage | Transfer | Voicemail | Hangup | Lookup


@dataclass(frozen=True)
class Language:
    """A language the flow speaks: its code (zh) and the <Say language> value (zh-CN)."""

    code: str
    say_language: str


@dataclass(frozen=True)
class Routing:
    """How "talk to a person" rings the on-duty chain.

    `sequential` rings one volunteer at a time; `simultaneous` rings `ring_group_size` at once
    (the first to pick up is screened; the carrier stops the others ringing; on a carrier
    without screening, HOTLINE_CARRIER_SCREENING=false, phones ring one at a time). Timeouts
    left as None come from the installation's settings.
    """

    strategy: str = "sequential"
    ring_group_size: int = 1
    ring_timeout_s: int | None = None
    total_ring_limit_s: int | None = None

    @property
    def group_size(self) -> int:
        """How many phones ring at once."""
        return self.ring_group_size if self.strategy == "simultaneous" else 1


@dataclass(frozen=True)
class Flow:
    """A whole IVR flow: languages (the first is the default), nodes and system messages."""

    id: str
    version: int
    languages: tuple[Language, ...]
    start: str
    nodes: Mapping[str, Node]
    messages: Mapping[str, Prompt]
    routing: Routing = field(default_factory=Routing)

    def __post_init__(self) -> None:
        if not self.languages:
            raise FlowError("languages: a flow needs at least one language")
        object.__setattr__(self, "nodes", MappingProxyType(dict(self.nodes)))
        object.__setattr__(self, "messages", MappingProxyType(dict(self.messages)))

    @property
    def default_language(self) -> str:
        """The code of the first configured language."""
        return self.languages[0].code

    def resolve_language(self, code: str | None) -> str:
        """`code` if the flow speaks it, else the default language."""
        for language in self.languages:
            if language.code == code:
                return language.code
        return self.default_language

    def say_language(self, code: str) -> str:
        """The <Say language> for a language code; the default language's for an unknown code."""
        code = self.resolve_language(code)
        return next(lang.say_language for lang in self.languages if lang.code == code)
