from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    """Compile every .po file of the project into its .mo file.

    Django's own `compilemessages` needs GNU gettext's msgfmt, which a fresh machine may
    not have; polib (a pure-Python dependency) does the same job, so `make run` works with
    nothing but Python.
    """

    help = "Compile the project's .po translation files to .mo (no GNU gettext needed)."

    def handle(self, *args, **options):
        root = Path(settings.BASE_DIR) / "tenantdesk"
        count = 0
        for po_path in sorted(root.rglob("locale/*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
            count += 1
        self.stdout.write(f"Compiled {count} translation file(s).")
