"""Every Python example in the READMEs and the documentation site runs, so neither can drift
from the code.

Blocks fenced as ```` ```python ```` in ``README.md``, ``packages/*/README.md`` and
``docs/**/*.md`` run here, each on its own, in a fresh namespace and an empty working folder.
Blocks that need a FoundationDB cluster, or that only illustrate (a pytest test file, a
fragment), are fenced as ```` ```py ```` and are not run; keep those rare.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READMES = [ROOT / "README.md", *sorted(ROOT.glob("packages/*/README.md"))]
DOCS = sorted(ROOT.glob("docs/**/*.md"))
# A fence of three or more backticks (MyST nests directives in longer ones), closed by the same.
_BLOCK = re.compile(r"^[ \t]*(`{3,})python\n(.*?)^[ \t]*\1[ \t]*$", re.S | re.M)


def _blocks(text: str) -> list[str]:
    return [code for _, code in _BLOCK.findall(text)]


def _examples() -> list[tuple[str, str]]:
    out = []
    for page in [*READMES, *DOCS]:
        for i, block in enumerate(_blocks(page.read_text(encoding="utf-8"))):
            out.append((f"{page.relative_to(ROOT)}#{i}", block))
    return out


def test_the_documentation_site_is_found() -> None:
    """The docs/ pages are collected (a moved folder must not silently run nothing)."""
    assert (ROOT / "docs" / "index.md") in DOCS
    assert any(where.startswith("docs/") for where, _ in _examples())


def test_every_readme_has_an_example() -> None:
    """Each package README opens with a working example, so each has a python block."""
    for readme in READMES:
        assert _blocks(readme.read_text(encoding="utf-8")), f"{readme} has no example"


_FENCE = re.compile(r"^[ \t]*`{3,}(\w*)", re.M)


@pytest.mark.parametrize("readme", READMES[1:], ids=[r.parent.name for r in READMES[1:]])
def test_each_package_readme_opens_with_an_example_and_its_install_line(readme: Path) -> None:
    """A package README's first code block is a runnable example, and it says how to install
    just that package (``pip install <its distribution>``)."""
    text = readme.read_text(encoding="utf-8")
    fences = _FENCE.findall(text)
    assert fences, f"{readme} has no code block"
    assert fences[0] == "python", f"{readme}: the first code block is {fences[0]!r}, not python"
    project = (readme.parent / "pyproject.toml").read_text(encoding="utf-8")
    name = re.search(r'^name\s*=\s*"([^"]+)"', project, re.M)
    assert name, f"{readme.parent / 'pyproject.toml'} has no name"
    assert f"pip install {name.group(1)}" in text, f"{readme} never says pip install {name[1]}"


@pytest.mark.parametrize(("where", "code"), _examples(), ids=[w for w, _ in _examples()])
def test_readme_example_runs(
    where: str, code: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The example runs to the end without raising (its own asserts check its results)."""
    monkeypatch.chdir(tmp_path)
    exec(compile(code, where, "exec"), {"__name__": "__main__"})
