"""Where the pages' templates and static files are: beside the package in an installed wheel
(which carries them as app/templates and app/static), else at the top of the source tree."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
ASSETS = _PACKAGE if (_PACKAGE / "templates").is_dir() else _PACKAGE.parent
TEMPLATES_DIR = ASSETS / "templates"
STATIC_DIR = ASSETS / "static"
