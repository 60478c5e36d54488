"""Every Python example in the READMEs runs, so the documentation cannot drift from the code.

Blocks fenced as ```` ```python ```` run here. Blocks that need a FoundationDB cluster are fenced
as ```` ```py ```` and are exercised by the integration suite on a cluster instead.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md"))]
_BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def _examples() -> list[tuple[str, str]]:
    out = []
    for readme in READMES:
        for i, block in enumerate(_BLOCK.findall(readme.read_text(encoding="utf-8"))):
            out.append((f"{readme.relative_to(ROOT)}#{i}", block))
    return out


def test_every_readme_has_an_example() -> None:
    """Each package README opens with a working example, so each has a python block."""
    for readme in READMES:
        assert _BLOCK.search(readme.read_text(encoding="utf-8")), f"{readme} has no example"


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_readme_example_runs(
    where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example runs to the end without raising (its own asserts check its results)."""
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__main__"})
