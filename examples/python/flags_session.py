"""The thread-pool download with one `requests.Session` (keep-alive): its
connection pool, sized to the workers, is shared by every thread, so a
connection is reused from one file to the next.

Usage: python3 flags_session.py URLS OUT C
  URLS  a file with one URL a line
  OUT   the directory to save into (each file under its URL's last segment)
  C     the number of worker threads (and pooled connections); 1 is the
        sequential loop over one session
"""

import sys
from concurrent import futures
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from flags_sequential import read_urls


def main(urls: str, out: str, concurrency: str) -> None:
    workers = int(concurrency)
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    session = requests.Session()
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=workers)
    session.mount("http://", adapter)
    session.mount("https://", adapter)

    def get_file(url: str) -> int:
        resp = session.get(url, timeout=60)
        resp.raise_for_status()
        (target / url.rsplit("/", 1)[-1]).write_bytes(resp.content)
        return len(resp.content)

    with futures.ThreadPoolExecutor(max_workers=workers) as executor:
        count = len(list(executor.map(get_file, read_urls(urls))))
    print(f"{count} downloads", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
