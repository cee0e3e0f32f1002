"""Staff CLI: `python ingest.py [PATH|URL ...] [--sitemap URL] [--sync] [--json]` adds, updates and
removes articles from files and from the clinic's web pages."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
