"""Staff CLI: `python ingest.py [PATH ...] [--sync] [--json]` adds, updates and removes articles."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
