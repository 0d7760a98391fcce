"""The `stsnet` command: one sub-command module each, registered in `COMMANDS`.

Every command that prints a summary takes `--json` and then prints the same facts as one JSON
object. Errors in the user's input are printed as one line naming what is wrong, exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Sub-command name -> module under stsnet.cli; each module has `add_arguments(parser)` and `run(args)`.
COMMANDS: dict[str, str] = {
    "models": "stsnet.cli.models",
    "prepare": "stsnet.cli.prepare",
    "demo": "stsnet.cli.demo",
    "train": "stsnet.cli.train",
    "evaluate": "stsnet.cli.evaluate",
    "predict": "stsnet.cli.predict",
    "report": "stsnet.cli.report",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stsnet", description="STS-Net small-target segmentation pipeline.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, module_name in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = commands.add_parser(name, help=module.__doc__.splitlines()[0], description=module.__doc__)
        module.add_arguments(sub)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ValueError, FileNotFoundError, FileExistsError) as error:
        print(f"stsnet {args.command}: error: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
