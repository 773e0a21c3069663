"""Sphinx extension: each inline <script> once per page.

Sphinx 7.4 puts an inline script that an extension adds after the builder started
(``app.add_js_file(None, body=...)``, as sphinx-thebe and sphinx-togglebutton do) into
every page twice: once as added, once more from the registry in prepare_writing, where
the missing file name became "" and so no longer compares equal. sphinx-thebe's body
declares ``const THEBE_JS_URL``, and the second copy is a console error on every page:
"Uncaught SyntaxError: Identifier 'THEBE_JS_URL' has already been declared"
(found by tests/browser). This handler drops the repeats from each page's script list.
"""

from __future__ import annotations


def _key(script) -> tuple:
    attributes = tuple(sorted((k, str(v)) for k, v in script.attributes.items()))
    return (script.filename or "", script.priority, attributes)


def drop_repeated_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    unique = {}
    for script in scripts:
        unique.setdefault(_key(script) if hasattr(script, "attributes") else script, script)
    if len(unique) < len(scripts):
        scripts[:] = list(unique.values())  # in place: the builder's own list for this page


def setup(app):
    app.connect("html-page-context", drop_repeated_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
