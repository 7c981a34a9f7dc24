"""The book's sequential download: one `requests.get` after another.

Usage: python3 flags_sequential.py URLS OUT C
  URLS  a file with one URL a line
  OUT   the directory to save into (each file under its URL's last segment)
  C     ignored (one request at a time); accepted so every program of this
        directory takes the same arguments
"""

import sys
from pathlib import Path

import requests


def get_file(url: str, out: Path) -> int:
    """Downloads one URL into `out`; returns the bytes saved."""
    resp = requests.get(url, timeout=60)
    resp.raise_for_status()
    (out / url.rsplit("/", 1)[-1]).write_bytes(resp.content)
    return len(resp.content)


def read_urls(path: str) -> list[str]:
    """The non-empty lines of `path`."""
    return [line.strip() for line in Path(path).read_text().splitlines() if line.strip()]


def main(urls: str, out: str, _concurrency: str) -> None:
    target = Path(out)
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for url in read_urls(urls):
        get_file(url, target)
        count += 1
    print(f"{count} downloads", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
