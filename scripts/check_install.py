"""Check an environment where found's wheels were installed (not editable): `nox -s install_check`.

Usage: ``python scripts/check_install.py WHEEL...`` with the wheel files that were installed.

For each wheel it checks that the distribution is installed from that very file, at that
version, that every top-level package it ships carries ``py.typed``, and that every module in it
imports. Then it imports ``found``, loads every store through ``found.stores.load`` and through
``from found import <store>``. Every problem is listed; the exit status is 1 if there is any.

Example::

    $ python scripts/check_install.py dist/found_core-0.1.0-py3-none-any.whl
    ok   found-core 0.1.0: installed from found_core-0.1.0-py3-none-any.whl
    ...
"""

from __future__ import annotations

import importlib
import importlib.metadata as metadata
import json
import pkgutil
import sys
import traceback
from pathlib import Path

CORE = "found-core"
# Modules that a submodule may need without found depending on them: the pytest plugin needs
# pytest, the fdb engine needs the official bindings (an extra). Anything else missing fails.
OPTIONAL_IMPORTS = {
    "pytest": "found's pytest plugin runs inside pytest",
    "fdb": "the foundationdb bindings are an extra: found-core[fdb73]",
}


def _wheel_name_version(wheel: Path) -> tuple[str, str]:
    """Distribution name (dashed) and version from a wheel file name."""
    parts = wheel.name.split("-")
    if not wheel.name.endswith(".whl") or len(parts) < 5:
        raise ValueError(f"not a wheel file name: {wheel.name}")
    return parts[0].replace("_", "-").lower(), parts[1]


class Checker:
    """Collects the outcome of each check and prints one line per check."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def ok(self, text: str) -> None:
        """Report a check that passed."""
        print(f"ok   {text}")

    def fail(self, text: str) -> None:
        """Report a check that failed."""
        print(f"FAIL {text}")
        self.problems.append(text)

    def check_distribution(self, wheel: Path) -> list[str]:
        """Check one installed wheel; return its top-level import names."""
        name, version = _wheel_name_version(wheel)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            self.fail(f"{name}: not installed")
            return []
        if dist.version != version:
            self.fail(f"{name}: installed version {dist.version}, wheel has {version}")
        origin = json.loads(dist.read_text("direct_url.json") or "{}")
        url = str(origin.get("url", ""))
        if origin.get("dir_info", {}).get("editable"):
            self.fail(f"{name}: installed editable from {url}")
        elif not url.endswith("/" + wheel.name):
            self.fail(f"{name}: installed from {url or 'an index'}, not from {wheel.name}")
        else:
            self.ok(f"{name} {dist.version}: installed from {wheel.name}")
        files = [Path(str(f)) for f in dist.files or ()]
        tops = sorted({f.parts[0] for f in files if len(f.parts) == 2 and f.name == "__init__.py"})
        if not tops:
            self.fail(f"{name}: ships no package")
        for top in tops:
            marker = Path(top) / "py.typed"
            if marker in files and Path(str(dist.locate_file(marker))).is_file():
                self.ok(f"{name}: {top}/py.typed present")
            else:
                self.fail(f"{name}: {top}/py.typed missing")
        return tops

    def check_imports(self, top: str) -> None:
        """Import a package and every module below it."""
        try:
            package = importlib.import_module(top)
        except Exception:
            self.fail(f"import {top}:\n{traceback.format_exc()}")
            return
        count = 1
        for info in pkgutil.walk_packages(package.__path__, prefix=top + "."):
            try:
                importlib.import_module(info.name)
            except ModuleNotFoundError as missing:
                needed = (missing.name or "").partition(".")[0]
                if needed not in OPTIONAL_IMPORTS:
                    self.fail(f"import {info.name}:\n{traceback.format_exc()}")
                    continue
                self.ok(f"{info.name}: skipped, needs {needed} ({OPTIONAL_IMPORTS[needed]})")
            except Exception:
                self.fail(f"import {info.name}:\n{traceback.format_exc()}")
            count += 1
        self.ok(f"{top}: {count} modules checked")

    def check_stores(self, stores: list[str]) -> None:
        """Load each store through the registry and through ``from found import <store>``."""
        try:
            found = importlib.import_module("found")
            registry = importlib.import_module("found.stores")
        except Exception:
            self.fail(f"import found.stores:\n{traceback.format_exc()}")
            return
        advertised = sorted(ep.name for ep in metadata.entry_points(group="found.stores"))
        for store in stores:
            if store not in advertised:
                self.fail(f"store {store}: no 'found.stores' entry point (have {advertised})")
                continue
            try:
                loaded = registry.load(store)
                imported = getattr(found, store)  # what `from found import <store>` does
            except Exception:
                self.fail(f"store {store}:\n{traceback.format_exc()}")
                continue
            if loaded is not imported:
                self.fail(f"store {store}: found.stores.load and `from found import` disagree")
            else:
                self.ok(f"store {store}: loads ({getattr(loaded, '__name__', loaded)!s})")
        if set(stores) >= {"nstore", "bstore", "eavstore", "pstore"}:
            try:
                from found import bstore, eavstore, nstore, pstore  # the documented spelling
            except Exception:
                self.fail(f"from found import ...:\n{traceback.format_exc()}")
            else:
                names = ", ".join(m.__name__ for m in (nstore, bstore, eavstore, pstore))
                self.ok(f"from found import nstore, bstore, eavstore, pstore: {names}")


def main(argv: list[str]) -> int:
    """Run every check for the wheels named in ``argv``; return the exit status."""
    wheels = [Path(arg) for arg in argv]
    if not wheels:
        print(__doc__)
        return 2
    checker = Checker()
    names = [_wheel_name_version(w)[0] for w in wheels]
    if CORE not in names:
        checker.fail(f"no {CORE} wheel among {[w.name for w in wheels]}")
    for wheel in wheels:
        for top in checker.check_distribution(wheel):
            checker.check_imports(top)
    stores = [n.removeprefix("found-") for n in names if n != CORE and n.startswith("found-")]
    checker.check_stores(stores)
    if checker.problems:
        print(f"\ninstall check: {len(checker.problems)} problem(s)")
        return 1
    print(f"\ninstall check: {len(wheels)} wheels, {len(stores)} stores, all fine")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
