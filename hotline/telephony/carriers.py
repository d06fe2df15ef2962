"""What TwiML each carrier supports (twiml_allowlist.yaml), and checking a document against it:
the simulator's carrier profiles and the test that every document the line renders runs on
every carrier."""

from __future__ import annotations

import functools
import xml.etree.ElementTree as ET  # noqa: S405  (parses our own TwiML only)
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

ALLOWLIST = Path(__file__).with_name("twiml_allowlist.yaml")


@dataclass(frozen=True)
class CarrierProfile:
    """A carrier's TwiML: the elements it accepts and, for each, the attributes."""

    name: str
    elements: Mapping[str, frozenset[str]]
    sources: tuple[str, ...] = ()

    def problems(self, document: str) -> list[str]:
        """What in a TwiML document this carrier does not support, one line each (in order)."""
        found: list[str] = []
        for element in ET.fromstring(document).iter():  # noqa: S314  (our own TwiML)
            allowed = self.elements.get(element.tag)
            if allowed is None:
                found.append(f"{self.name} does not support <{element.tag}>")
                continue
            found.extend(
                f"{self.name} does not support attribute {name!r} on <{element.tag}>"
                for name in element.attrib
                if name not in allowed
            )
        return found


def common(profiles: Iterable[CarrierProfile]) -> CarrierProfile:
    """What every one of `profiles` supports."""
    chosen = list(profiles)
    tags = set.intersection(*(set(p.elements) for p in chosen))
    return CarrierProfile(
        "every carrier",
        {tag: frozenset.intersection(*(p.elements[tag] for p in chosen)) for tag in sorted(tags)},
        tuple(source for p in chosen for source in p.sources),
    )


@functools.cache
def profiles(path: Path = ALLOWLIST) -> dict[str, CarrierProfile]:
    """Every carrier of the allow-list, by name."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {
        name: CarrierProfile(
            name,
            {tag: frozenset(attrs) for tag, attrs in block["elements"].items()},
            tuple(block.get("sources", ())),
        )
        for name, block in data["carriers"].items()
    }
