"""The `luoshi` command. `luoshi units import FILE` runs the manage.py command `units_import FILE`;
any other manage.py command works as `luoshi COMMAND`."""
import os
import sys
from pathlib import Path


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    root = Path(__file__).resolve().parent.parent
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    import django
    from django.core.management import execute_from_command_line, get_commands

    django.setup()
    argv = sys.argv[1:]
    if len(argv) >= 2 and f"{argv[0]}_{argv[1]}" in get_commands():
        argv = [f"{argv[0]}_{argv[1]}"] + argv[2:]
    execute_from_command_line(["luoshi"] + (argv or ["help"]))


if __name__ == "__main__":
    main()
