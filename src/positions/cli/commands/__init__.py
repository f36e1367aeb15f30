"""One module per command; each exposes ``register(app)``.

Commands import what they need inside their body, so that ``positions query``
does not pay for pyshacl and ``positions validate`` does not pay for rendering.
"""

from __future__ import annotations

import importlib

import typer

# Listed explicitly (not discovered) so that the help shows a stable order.
COMMAND_MODULES = [
    "query",
    "queries",
    "validate",
    "add",
    "import_csv",
    "amend",
    "retract",
    "log",
    "fmt",
    "export",
    "push",
    "report",
    "serve",
    "info",
    "init",
]


def register_all(app: typer.Typer) -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(f"positions.cli.commands.{name}").register(app)
