"""Sphinx configuration of the hccrt API reference (``make docs``; built warning-free with -W)."""

import importlib.metadata

project = "hccrt"
author = "hccrt developers"
release = importlib.metadata.version("hccrt")
version = release
extensions = ["sphinx.ext.autodoc", "numpydoc"]
autodoc_typehints = "none"  # numpydoc writes the types from the docstrings
numpydoc_show_class_members = False
numpydoc_xref_param_type = False
exclude_patterns = ["_build"]
html_theme = "alabaster"
