"""A small tokenizer: Unicode words, lower-cased, counted.

A word is a maximal run of letters and digits in any script (``[^\\W_]+``: what ``\\w`` matches,
minus the underscore), after ``str.lower``. Everything else (spaces, punctuation, apostrophes,
hyphens, underscores) separates words, so ``"dog's well-known_name"`` gives ``dog``, ``s``,
``well``, ``known``, ``name``. On ASCII text this is exactly what SQLite FTS5's default
``unicode61`` tokenizer produces; unlike it, diacritics are kept (``café`` stays ``café``).

No stemming and no stop words: callers who want them tokenize their own way and pass any
``{term: count}`` mapping to :func:`found_pstore.index` and the same terms to
:func:`found_pstore.search`.

Example::

    >>> sorted(tokenize("The cat saw the other cat.").items())
    [('cat', 2), ('other', 1), ('saw', 1), ('the', 2)]
"""

from __future__ import annotations

import re
from collections import Counter

from found_pstore._errors import PStoreTypeError

__all__ = ["tokenize"]

_WORD = re.compile(r"[^\W_]+")


def tokenize(text: str) -> Counter[str]:
    """Count the lower-cased Unicode words of ``text``.

    Example::

        >>> tokenize("Ça va? Ça va.")
        Counter({'ça': 2, 'va': 2})
        >>> tokenize("")
        Counter()
    """
    if not isinstance(text, str):
        raise PStoreTypeError(f"tokenize takes a str, got {type(text).__name__}: {text!r:.80}")
    return Counter(_WORD.findall(text.lower()))
