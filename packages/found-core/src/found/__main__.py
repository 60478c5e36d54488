"""``python -m found``: the same as the ``found`` command."""

from found.cli import main_entry

main_entry()
