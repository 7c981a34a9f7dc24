"""The book's thread-pool download: `ThreadPoolExecutor(max_workers=C).map`
of the sequential program's `get_file` (a new connection per file, as
`requests.get` opens one every time).

Usage: python3 flags_threadpool.py URLS OUT C
  URLS  a file with one URL a line
  OUT   the directory to save into (each file under its URL's last segment)
  C     the number of worker threads
"""

import sys
from concurrent import futures
from pathlib import Path

from flags_sequential import get_file, read_urls


def main(urls: str, out: str, concurrency: str) -> None:
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    with futures.ThreadPoolExecutor(max_workers=int(concurrency)) as executor:
        results = executor.map(lambda url: get_file(url, target), read_urls(urls))
        count = len(list(results))
    print(f"{count} downloads", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
