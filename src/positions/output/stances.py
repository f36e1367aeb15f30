"""The stance scheme as the report draws it: which stance is strongest, and its colours.

strongest(stance_iris)          # the stance that colours a matrix cell
swatch(stance, label)           # the stance's label on its colours
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from positions.output.html import e
from positions.rdf.namespaces import VOCAB_BASE

STANCE_NS = VOCAB_BASE + "stance/"

# "Strongest stance", strongest first: how far the stance settles the demand.
# A refusal closes it (calling it unacceptable is the most explicit refusal), a
# warning attaches costs to it, a condition sets a price on it, insisting or
# demanding keeps it on the table, accepting or promising commits to act on it,
# openness to discuss commits to nothing yet, an announced step does not answer
# the demand, and an assessment of the talks or
# an accusation takes no position on the demand itself.  A cell shows every
# stance taken; the order only picks its colour and headline.
STANCE_ORDER: tuple[str, ...] = (
    "calls-unacceptable",
    "rejects",
    "warns",
    "conditional",
    "insists",
    "demands",
    "accepts",
    "promises",
    "open-to-discuss",
    "announces",
    "assesses-talks",
    "accuses",
)

# Background and text colour per stance: reds for refusal, orange/amber for
# pressure, purples for demands, greens for agreement, teal for openness, greys
# for comment.  The stance is always written in the cell too, so the matrix
# reads in black and white.
STANCE_COLOURS: dict[str, tuple[str, str]] = {
    "calls-unacceptable": ("#7f0000", "#ffffff"),
    "rejects": ("#c62828", "#ffffff"),
    "warns": ("#e65100", "#ffffff"),
    "conditional": ("#f9a825", "#000000"),
    "insists": ("#6a1b9a", "#ffffff"),
    "demands": ("#9c4dcc", "#ffffff"),
    "accepts": ("#1b5e20", "#ffffff"),
    "promises": ("#43a047", "#000000"),
    "open-to-discuss": ("#00838f", "#ffffff"),
    "announces": ("#546e7a", "#ffffff"),
    "assesses-talks": ("#90a4ae", "#000000"),
    "accuses": ("#795548", "#ffffff"),
}
UNKNOWN_COLOURS = ("#d0d0d0", "#000000")  # a stance a later base adds: shown, ranked last


def stance_key(iri: str) -> str:
    """The stance's local name (``rejects``), or the IRI itself outside the scheme."""
    return iri[len(STANCE_NS) :] if iri.startswith(STANCE_NS) else iri


def stance_rank(iri: str) -> int:
    """The stance's place in :data:`STANCE_ORDER`; a stance outside it ranks last."""
    key = stance_key(iri)
    return STANCE_ORDER.index(key) if key in STANCE_ORDER else len(STANCE_ORDER)


def stance_colours(iri: str) -> tuple[str, str]:
    """The stance's (background, text) colours."""
    return STANCE_COLOURS.get(stance_key(iri), UNKNOWN_COLOURS)


def strongest(stances: Iterable[str]) -> str:
    """The strongest of some stance IRIs by :data:`STANCE_ORDER` (ties: by IRI)."""
    return min(stances, key=lambda iri: (stance_rank(iri), iri))


@dataclass(frozen=True)
class Stance:
    """One stance of the scheme with its label and its CAMEO and PLOVER codes."""

    iri: str
    label: str
    cameo: str
    plover: str


def swatch(stance: Stance | None, label: str, iri: str = "") -> str:
    """The label on the stance's colours (the stance, else the stance IRI ``iri``)."""
    bg, fg = stance_colours(stance.iri if stance else iri)
    return f'<span class="swatch" style="--bg:{bg};--fg:{fg}">{e(label)}</span>'
