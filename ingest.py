"""Index the corpus folder into Chroma: ``python ingest.py [--force]``.

Same as ``python -m rag ingest``; kept at the top level because that is where a newcomer looks.
"""

import sys

from rag.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
