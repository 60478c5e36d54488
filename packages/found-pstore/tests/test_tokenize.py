"""tokenize: lower-cased Unicode words, counted."""

from __future__ import annotations

from collections import Counter

import found_pstore as pstore


def test_words_are_lower_cased_and_counted() -> None:
    """Case does not matter and each word is counted."""
    assert pstore.tokenize("The cat and THE dog") == Counter(
        {"the": 2, "cat": 1, "and": 1, "dog": 1}
    )


def test_punctuation_and_underscores_separate_words() -> None:
    """Apostrophes, hyphens, underscores and punctuation split words; digits belong to words."""
    assert pstore.tokenize("dog's well-known_name: r2d2!") == Counter(
        {"dog": 1, "s": 1, "well": 1, "known": 1, "name": 1, "r2d2": 1}
    )


def test_other_scripts_are_words() -> None:
    """Letters of any script make words, and their case is folded."""
    assert pstore.tokenize("Ελληνικά КИРИЛЛИЦА 日本語 café") == Counter(
        {"ελληνικά": 1, "кириллица": 1, "日本語": 1, "café": 1}
    )


def test_empty_text_has_no_words() -> None:
    """No word at all gives an empty counter."""
    assert pstore.tokenize("  ...  ") == Counter()
