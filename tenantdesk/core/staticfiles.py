"""Static files in production: hashed names, compressed copies (WhiteNoise), and the chat's
ES module imports rewritten to the hashed names too.

Django's manifest storage rewrites `import … from "./store.js"` only when asked to
(support_js_module_import_aggregation). Without it the hashed main.js still loaded the
unhashed modules: they exist, but are cached under names that never change, so after an
upgrade a browser could run a new main.js with an old store.js.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
