"""A small Sphinx extension for found's documentation site.

* ``found-error-codes``: a directive that renders FoundationDB's error table, one row per code,
  from ``found.ERROR_CLASSES``; the reference of the ``found`` module then skips those two
  hundred classes instead of rendering each one.
* Optional pages: a page listed in ``OPTIONAL_PAGES`` joins the table of contents of the index
  when its file exists, at the line ``{optional-pages}``, and is left out silently otherwise.
* ``Raises:`` sections in the Google style become reST ``:raises X:`` fields. The docstrings
  are otherwise reST, which napoleon would misread (it takes ``text: more text`` on the first
  line of a property's docstring for ``type: description``), so napoleon is not used.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

#: Pages another change may add: each is listed in the index's table of contents if it exists.
OPTIONAL_PAGES = ("reliability",)
MARKER = "{optional-pages}"


def _cell(*children: nodes.Node) -> nodes.entry:
    entry = nodes.entry()
    entry += nodes.paragraph("", "", *children)
    return entry


class ErrorCodes(SphinxDirective):
    """Render every FoundationDB error code found knows as a table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import found

        headers = ("code", "class", "name", "description")
        table = nodes.table(classes=["found-error-codes"])
        group = nodes.tgroup(cols=len(headers))
        table += group
        for width in (8, 30, 30, 60):
            group += nodes.colspec(colwidth=width)
        head = nodes.thead()
        row = nodes.row()
        for title in headers:
            row += _cell(nodes.Text(title))
        head += row
        group += head
        body = nodes.tbody()
        for code, cls in sorted(found.ERROR_CLASSES.items()):
            row = nodes.row()
            row += _cell(nodes.Text(str(code)))
            row += _cell(nodes.literal(text=f"found.{cls.__name__}"))
            row += _cell(nodes.literal(text=cls.name))
            row += _cell(nodes.Text(cls.description))
            body += row
        group += body
        return [table]


def _skip_error_codes(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Leave the per-code error classes out of the ``found`` reference (the table has them)."""
    if name in ("ERROR_CLASSES", "ERROR_TABLE"):
        return True
    if isinstance(obj, type) and obj.__module__ == "found._error_codes":
        return True
    return None


def _optional_pages(app: Sphinx, docname: str, source: list[str]) -> None:
    """Replace the index's ``{optional-pages}`` line with the optional pages that exist."""
    if docname != app.config.root_doc or MARKER not in source[0]:
        return
    present = [p for p in OPTIONAL_PAGES if (Path(app.srcdir) / f"{p}.md").is_file()]
    source[0] = source[0].replace(MARKER, "\n".join(present))


_RAISES_ITEM = re.compile(r"^\s+(\w[\w.]*):\s*(.*)$")


def _google_raises(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Rewrite a ``Raises:`` section (``Error: when``, indented) as ``:raises Error: when``."""
    out: list[str] = []
    in_section = False
    for line in lines:
        if line.strip() == "Raises:" and not line.startswith(" "):
            in_section = True
            continue
        if in_section:
            item = _RAISES_ITEM.match(line)
            if item:
                out.append(f":raises {item.group(1)}: {item.group(2)}")
                continue
            if line.startswith("        ") and out:  # a continuation of the item above
                out[-1] += " " + line.strip()
                continue
            in_section = False
        out.append(line)
    lines[:] = out


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("found-error-codes", ErrorCodes)
    app.connect("autodoc-skip-member", _skip_error_codes)
    app.connect("autodoc-process-docstring", _google_raises)
    app.connect("source-read", _optional_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
