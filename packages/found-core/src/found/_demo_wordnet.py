"""The data of ``found demo``: WordNet noun synsets, read from a WordNet 3.0 data file.

A WordNet data file (``data.noun``) starts with a licence header, every line of which begins
with two spaces; each other line is one synset::

    OFFSET LEXFILE POS WORD_COUNT(hex) [WORD LEX_ID]... POINTER_COUNT
        [SYMBOL OFFSET POS SOURCE_TARGET]... | GLOSS

The demo reads Debian's ``wordnet-base`` (``/usr/share/wordnet/data.noun``) when it is
installed, else the sample found-core ships in ``found/_demo_data/wordnet-sample.noun``: 587
noun synsets of WordNet 3.0 (the unique beginners and acts, the subtrees below dog, cat,
computer and food, and every ancestor of those), with WordNet's licence header, which allows
copying it.

Example::

    >>> source = load_source("sample")
    >>> synsets = parse_synsets(source.text)
    >>> dog = next(s for s in synsets if s.words[0] == "dog")
    >>> dog.id, dog.lexname, dog.words
    ('02084071-n', 'noun.animal', ('dog', 'domestic dog', 'Canis familiaris'))
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from found._errors import UsageError

__all__ = [
    "LEXNAMES",
    "SAMPLE",
    "WORDNET",
    "Source",
    "Synset",
    "labels",
    "load_source",
    "parse_synset",
    "parse_synsets",
    "pick",
]

WORDNET = Path("/usr/share/wordnet/data.noun")
"""Where Debian's ``wordnet-base`` puts WordNet 3.0's noun synsets."""

SAMPLE = "sample"
"""The ``--data`` value that names the sample shipped inside found-core."""

LEXNAMES = (
    "adj.all",
    "adj.pert",
    "adv.all",
    "noun.Tops",
    "noun.act",
    "noun.animal",
    "noun.artifact",
    "noun.attribute",
    "noun.body",
    "noun.cognition",
    "noun.communication",
    "noun.event",
    "noun.feeling",
    "noun.food",
    "noun.group",
    "noun.location",
    "noun.motive",
    "noun.object",
    "noun.person",
    "noun.phenomenon",
    "noun.plant",
    "noun.possession",
    "noun.process",
    "noun.quantity",
    "noun.relation",
    "noun.shape",
    "noun.state",
    "noun.substance",
    "noun.time",
    "verb.body",
    "verb.change",
    "verb.cognition",
    "verb.communication",
    "verb.competition",
    "verb.consumption",
    "verb.contact",
    "verb.creation",
    "verb.emotion",
    "verb.motion",
    "verb.perception",
    "verb.possession",
    "verb.social",
    "verb.stative",
    "verb.weather",
    "adj.ppl",
)
"""WordNet's lexicographer files, by number: a synset's second field indexes this tuple."""

_FIRST = ("noun.Tops", "noun.animal", "noun.food", "noun.artifact", "noun.plant")
"""The lexicographer files a slice takes first: the ones the demo's queries look into."""

_HYPERNYM = frozenset({"@", "@i"})  # hypernym, instance hypernym


@dataclass(frozen=True)
class Synset:
    """One WordNet synset: a set of synonyms with its gloss and its hypernyms.

    ``id`` is WordNet's ``OFFSET-POS`` notation (``"02084071-n"``); ``hypernyms`` holds the
    ids of the synsets one step more general (hypernyms and instance hypernyms).

    Example::

        >>> Synset("02084071-n", "noun.animal", ("dog",), ("02083346-n",), "a canine").id
        '02084071-n'
    """

    id: str
    lexname: str
    words: tuple[str, ...]
    hypernyms: tuple[str, ...]
    gloss: str


@dataclass(frozen=True)
class Source:
    """A WordNet data file: where it came from and its bytes.

    Example::

        >>> source = Source("inline", b"  licence\\n")
        >>> source.label, source.text
        ('inline', '  licence\\n')
    """

    label: str
    data: bytes

    @property
    def text(self) -> str:
        """The bytes decoded as UTF-8 (WordNet 3.0 is ASCII; a stray byte is replaced)."""
        return self.data.decode("utf-8", errors="replace")


def load_source(data: str | None = None) -> Source:
    """Read the demo's data: ``data`` is a path, ``"sample"``, or None for the default.

    The default is Debian's WordNet (:data:`WORDNET`) when it is installed, else the sample
    that ships inside found-core. A path that cannot be read raises ``OSError``.

    Example::

        >>> load_source("sample").label
        'the WordNet 3.0 sample shipped with found-core (587 noun synsets)'
    """
    if data is None:
        data = str(WORDNET) if WORDNET.is_file() else SAMPLE
    if data == SAMPLE:
        resource = importlib.resources.files("found") / "_demo_data" / "wordnet-sample.noun"
        return Source(
            "the WordNet 3.0 sample shipped with found-core (587 noun synsets)",
            resource.read_bytes(),
        )
    return Source(data, Path(data).read_bytes())


def parse_synset(line: str) -> Synset | None:
    """Parse one line of a WordNet data file; None for a licence line or a blank one.

    Raises ``found.UsageError`` naming the problem when the line is not a synset.

    Example::

        >>> line = "02084071 05 n 01 dog 0 001 @ 02083346 n 0000 | a member of the genus Canis"
        >>> parse_synset(line)
        Synset(id='02084071-n', lexname='noun.animal', words=('dog',), \
hypernyms=('02083346-n',), gloss='a member of the genus Canis')
    """
    if not line.strip() or line.startswith("  "):
        return None
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    try:
        offset, lexfile, pos = fields[0], int(fields[1]), fields[2]
        count = int(fields[3], 16)
        words = tuple(_word(fields[4 + 2 * i]) for i in range(count))
        rest = fields[4 + 2 * count :]
        pointers = int(rest[0])
        hypernyms = tuple(
            f"{rest[2 + 4 * i]}-{_pos(rest[3 + 4 * i])}"
            for i in range(pointers)
            if rest[1 + 4 * i] in _HYPERNYM
        )
        lexname = LEXNAMES[lexfile]
    except (IndexError, ValueError):
        raise UsageError(f"not a WordNet synset line: {line[:60]!r}") from None
    return Synset(f"{offset}-{_pos(pos)}", lexname, words, hypernyms, gloss.strip())


def _word(field: str) -> str:
    """A word as written in a data file: ``_`` for spaces, adjectives may end in ``(a)``."""
    if field.endswith(")") and "(" in field:
        field = field[: field.rindex("(")]
    return field.replace("_", " ")


def _pos(pos: str) -> str:
    """Satellite adjectives (``s``) belong to the adjectives (``a``) in WordNet's ids."""
    return "a" if pos == "s" else pos


def parse_synsets(text: str) -> list[Synset]:
    """Every synset of a WordNet data file's text, in file order.

    Example::

        >>> len(parse_synsets(load_source("sample").text))
        587
    """
    out: list[Synset] = []
    for number, line in enumerate(text.splitlines(), 1):
        try:
            synset = parse_synset(line)
        except UsageError as error:
            raise UsageError(f"line {number}: {error}") from None
        if synset is not None:
            out.append(synset)
    return out


def pick(synsets: Sequence[Synset], limit: int) -> tuple[list[Synset], int]:
    """A slice of ``limit`` synsets (0: all of them), closed under hypernyms.

    Synsets of the lexicographer files the demo queries (``noun.Tops``, ``noun.animal``,
    ``noun.food``, ``noun.artifact``, ``noun.plant``) come first, then the others, each in file
    order. Then every ancestor of a chosen synset is added, so that hypernym chains reach the
    root. Returns the slice in file order and how many ancestors were added beyond ``limit``.

    Example::

        >>> synsets = parse_synsets(load_source("sample").text)
        >>> chosen, added = pick(synsets, 100)
        >>> len(chosen) == 100 + added
        True
    """
    if limit < 0:
        raise UsageError(f"limit must be 0 (everything) or positive, got {limit}")
    if limit == 0 or limit >= len(synsets):
        return list(synsets), 0
    first = {name: rank for rank, name in enumerate(_FIRST)}
    position = {synset.id: index for index, synset in enumerate(synsets)}
    ranked = sorted(synsets, key=lambda s: (first.get(s.lexname, len(first)), position[s.id]))
    chosen = {synset.id for synset in ranked[:limit]}
    by_id = {synset.id: synset for synset in synsets}
    todo = list(chosen)
    while todo:
        for parent in by_id[todo.pop()].hypernyms:
            if parent in by_id and parent not in chosen:
                chosen.add(parent)
                todo.append(parent)
    return [synset for synset in synsets if synset.id in chosen], len(chosen) - limit


def labels(synsets: Iterable[Synset]) -> dict[str, str]:
    """Each synset's first word, by id: how the demo names a synset in its tables.

    Example::

        >>> labels([Synset("1-n", "noun.Tops", ("entity",), (), "")])
        {'1-n': 'entity'}
    """
    return {synset.id: synset.words[0] if synset.words else synset.id for synset in synsets}
