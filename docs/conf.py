"""Sphinx configuration of found's documentation site: `nox -s docs` builds it into build/docs.

Pages are Markdown (MyST); the API reference is generated from the packages' docstrings by
autodoc, so the packages must be importable (the nox session installs them editable). The build
runs with ``-W --keep-going``: any warning fails it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))

project = "found"
author = "the found authors"
copyright = "the found authors"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "found_docs",
]

source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_ext", "_build", "requirements.txt"]

# Markdown: `## Heading` gets an anchor that `page.md#heading` links can reach.
myst_heading_anchors = 3
myst_enable_extensions = ["colon_fence"]

# API reference: members in the order of the module's __all__ (or the source), with their
# base classes; type hints appear in the signatures, as written.
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "furo"
html_title = "found"
pygments_style = "friendly"
