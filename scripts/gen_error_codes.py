"""Generate ``found/_error_codes.py`` from FoundationDB's error table.

FoundationDB lists every error it can raise in ``flow/include/flow/error_definitions.h``, one
``ERROR( name, code, "description" )`` line per error. found mirrors that table so that an error
raised by the embedded engines prints exactly like the one a real cluster raises
(``str(e) == f"{description} ({code})"``), and so that users can catch a specific failure by class
(``except NotCommitted``) instead of comparing integers.

The script writes two things into the generated module:

* ``ERROR_TABLE``: ``code -> (name, description)`` for every code in the header, so that any code
  gets FoundationDB's own name and description;
* one ``FoundException`` subclass per client-visible code (see ``CLASS_CODES`` below), named in
  CamelCase after the FoundationDB name (``not_committed`` -> ``NotCommitted``), plus
  ``ERROR_CLASSES``, mapping each of those codes to its class.

How to regenerate (from the repository root)::

    # 1. get the header of the release line found targets (release-7.3), e.g. from a checkout of
    #    apple/foundationdb: git show release-7.3:flow/include/flow/error_definitions.h > ed.h
    # 2. run the generator on it; it rewrites the committed module
    python scripts/gen_error_codes.py ed.h
    # 3. or only check that the committed module is what the header gives (exit status 1 if not)
    python scripts/gen_error_codes.py ed.h --check

The output depends only on the header text (no dates, no paths), so running the script twice on the
same header gives byte-identical files, and the generated file is already ``ruff format`` clean.
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

DEFAULT_OUTPUT = (
    Path(__file__).resolve().parent.parent
    / "packages"
    / "found-core"
    / "src"
    / "found"
    / "_error_codes.py"
)

LINE_LENGTH = 100

# Codes that get a named class: the client-visible part of the table (fdb-semantics.md E-08):
# the 1xxx "normal failure" group up to future_released, the two throttling codes a client sees
# (1213, 1223), every 2xxx client-misuse and binding code up to 2299, and the two 4xxx codes.
# Other 12xx codes are server-internal and change meaning between releases (1235 is
# finish_move_keys_too_many_retries in 7.3 but transaction_throttled_hot_shard in 7.4), so they
# only get a row in ERROR_TABLE.
CLASS_CODES: frozenset[int] = frozenset(
    [*range(1000, 1103), 1213, 1223, *range(2000, 2300), 4000, 4100]
)

_ERROR_LINE = re.compile(
    r"""^\s*ERROR\(\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*,\s*(?P<code>\d+)\s*,\s*
        "(?P<text>(?:[^"\\]|\\.)*)"\s*\)""",
    re.VERBOSE,
)
_C_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "t": "\t"}
_PY_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t"}


class ErrorDef(NamedTuple):
    """One ``ERROR( name, code, "description" )`` line of the header."""

    name: str
    code: int
    description: str


def _unescape(text: str, line_no: int) -> str:
    """Decode the C escapes FoundationDB uses in descriptions (``\\"`` and ``\\\\``)."""

    def replace(match: re.Match[str]) -> str:
        char = match.group(1)
        if char not in _C_ESCAPES:
            raise SystemExit(f"line {line_no}: unsupported C escape \\{char} in a description")
        return _C_ESCAPES[char]

    return re.sub(r"\\(.)", replace, text)


def parse_header(text: str) -> list[ErrorDef]:
    """Return the errors defined in ``text``, in code order.

    >>> parse_header('ERROR( not_committed, 1020, "Transaction not committed" )')
    [ErrorDef(name='not_committed', code=1020, description='Transaction not committed')]
    """
    errors: dict[int, ErrorDef] = {}
    names: set[str] = set()
    for line_no, line in enumerate(text.splitlines(), start=1):
        match = _ERROR_LINE.match(line)
        if match is None:
            if line.lstrip().startswith("ERROR("):
                raise SystemExit(f"line {line_no}: cannot parse {line.strip()!r}")
            continue
        error = ErrorDef(match["name"], int(match["code"]), _unescape(match["text"], line_no))
        if error.code in errors or error.name in names:
            raise SystemExit(f"line {line_no}: duplicate error {error.name} ({error.code})")
        errors[error.code] = error
        names.add(error.name)
    if not errors:
        raise SystemExit('no ERROR( name, code, "description" ) lines found')
    return [errors[code] for code in sorted(errors)]


def class_name(fdb_name: str) -> str:
    """CamelCase of a FoundationDB error name: ``not_committed`` -> ``NotCommitted``."""
    return "".join(part[:1].upper() + part[1:] for part in fdb_name.split("_") if part)


def quote(text: str) -> str:
    """Python literal for ``text`` in the quote style ``ruff format`` prefers (double quotes)."""
    if '"' in text and "'" not in text:
        return repr(text)  # single quotes avoid escaping the double quotes inside
    body = "".join(_PY_ESCAPES.get(char, char) for char in text)
    return f'"{body}"'


def _literal_lines(text: str, indent: int, suffix: str) -> list[str]:
    """``quote(text)`` + ``suffix`` at ``indent``, split into implicitly joined pieces if needed."""
    pad = " " * indent
    whole = f"{pad}{quote(text)}{suffix}"
    if len(whole) <= LINE_LENGTH:
        return [whole]
    # Split at spaces so that each piece, quoted and indented, fits on one line.
    width = LINE_LENGTH - indent - 2 - len(suffix) - 1
    words = re.split(r"(?<= )", text)
    pieces: list[str] = []
    current = ""
    for word in words:
        if current and len(quote(current + word)) > width + 2:
            pieces.append(current)
            current = word
        else:
            current += word
    pieces.append(current)
    lines = [f"{pad}{quote(piece)}" for piece in pieces]
    lines[-1] += suffix
    return lines


def _table_entry(error: ErrorDef) -> list[str]:
    one_line = f"    {error.code}: ({quote(error.name)}, {quote(error.description)}),"
    if len(one_line) <= LINE_LENGTH:
        return [one_line]
    lines = [f"    {error.code}: ("]
    lines += _literal_lines(error.name, 8, ",")
    lines += _literal_lines(error.description, 8, ",")
    lines.append("    ),")
    return lines


def _class_block(error: ErrorDef) -> list[str]:
    # Backslashes and quotes would otherwise be read as escapes or end the docstring.
    text = error.description.replace("\\", "\\\\").replace('"', '\\"')
    summary = f"FoundationDB error {error.code}, ``{error.name}``: {text}"
    wrapped = textwrap.wrap(
        summary, width=LINE_LENGTH - 4 - 6, break_long_words=False, break_on_hyphens=False
    )
    doc = [f'    """{wrapped[0]}']
    doc += [f"    {line}" for line in wrapped[1:]]
    doc[-1] += '"""'
    return [
        "",
        "",
        f"class {class_name(error.name)}(FoundException):",
        *doc,
        "",
        f"    code = {error.code}",
        f"    name = {quote(error.name)}",
        f"    description = ERROR_TABLE[{error.code}][1]",
    ]


HEADER = '''\
# generated by scripts/gen_error_codes.py, do not edit
"""FoundationDB's error table and one exception class per client-visible error code.

generated by scripts/gen_error_codes.py, do not edit: change the generator or feed it another
``error_definitions.h`` (its docstring says how) and commit the result.

Every class is a :class:`found.FoundException` whose ``code``, ``name`` and ``description`` are
FoundationDB's own, so ``str()`` prints what the official binding prints::

    >>> from found._error_codes import ERROR_CLASSES, NotCommitted
    >>> str(NotCommitted())
    'Transaction not committed due to conflict with another transaction (1020)'
    >>> ERROR_CLASSES[1020] is NotCommitted
    True
"""

from __future__ import annotations

from found._errors import FoundException
'''


def render(errors: list[ErrorDef]) -> str:
    """Return the text of the generated module for ``errors``."""
    with_class = [error for error in errors if error.code in CLASS_CODES]
    names = [class_name(error.name) for error in with_class]
    if len(set(names)) != len(names):
        raise SystemExit("two errors map to the same class name")
    lines = HEADER.splitlines()
    lines += ["", "__all__ = ["]
    lines += [f'    "{name}",' for name in ["ERROR_CLASSES", "ERROR_TABLE", *sorted(names)]]
    lines += ["]", ""]
    lines += [
        "#: ``code -> (name, description)`` for every error in FoundationDB's table.",
        "ERROR_TABLE: dict[int, tuple[str, str]] = {",
    ]
    for error in errors:
        lines += _table_entry(error)
    lines.append("}")
    for error in with_class:
        lines += _class_block(error)
    lines += [
        "",
        "",
        "#: ``code -> class`` for every code that has a named subclass of FoundException.",
        "ERROR_CLASSES: dict[int, type[FoundException]] = {",
    ]
    lines += [f"    {error.code}: {name}," for error, name in zip(with_class, names, strict=True)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the process exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("header", type=Path, help="path of FoundationDB's error_definitions.h")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT, help="module to write")
    parser.add_argument(
        "--check", action="store_true", help="only report whether the output is up to date"
    )
    args = parser.parse_args(argv)
    text = render(parse_header(args.header.read_text(encoding="utf-8")))
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; rerun without --check", file=sys.stderr)
            return 1
        return 0
    args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
