"""Name and version of the project, read from pyproject.toml (for the spec and build script)."""
from __future__ import annotations

import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def main() -> None:
    """`python packaging/project_info.py name|version`."""
    print(project()[sys.argv[1]])


if __name__ == "__main__":
    main()
