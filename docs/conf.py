"""Sphinx configuration of the claude-cost docs (Sphinx + MyST, the furo theme).

Build: pip install '.[docs]' && python -m sphinx -W --keep-going -b html docs docs/_build/html
(tests/test_docs.py builds it the same way, warnings as errors, offline: nothing is fetched).
"""

from __future__ import annotations

project = "claude-cost"
author = "the claude-cost authors"
copyright = "2026, the claude-cost authors"

extensions = ["myst_parser"]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "generate.py", "reference/schemas/*.json"]

myst_heading_anchors = 4  # `[…](#a-heading)` and `[…](page.md#a-heading)` links, as on GitHub
myst_enable_extensions = ["deflist"]
suppress_warnings: list[str] = []

html_theme = "furo"
html_title = "claude-cost"
html_static_path: list[str] = []
html_show_sourcelink = False
html_copy_source = False
pygments_style = "sphinx"
