from django.core.management.base import BaseCommand

from search.engine import index_built, index_rebuild


class Command(BaseCommand):
    help = "Build the catalog's search index (SEARCH_INDEX_DIR) from the database and put it in use."

    def add_arguments(self, parser):
        parser.add_argument("--if-missing", action="store_true", help="only when no index is built yet")

    def handle(self, *args, if_missing: bool = False, **options):
        if if_missing and index_built():
            self.stdout.write("The catalog's search index is already built.")
            return
        count = index_rebuild()
        self.stdout.write(f"The catalog's search index: {count} programs.")
