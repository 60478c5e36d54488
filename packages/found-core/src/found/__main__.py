"""``python -m found``: the same as the ``found`` command."""

from found.cli import main_entry

if __name__ == "__main__":
    main_entry()
