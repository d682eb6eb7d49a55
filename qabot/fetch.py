"""Fetching a web article for `qabot add URL`: the page as served, plus its title and date."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlparse

from qabot.errors import QabotError

#: The file suffix a fetched document is saved under, by content type.
_SUFFIX = {"text/html": ".html", "application/xhtml+xml": ".html", "text/plain": ".txt"}
_SUFFIX["application/pdf"] = ".pdf"
MAX_BYTES = 20 * 1024 * 1024


class FetchError(QabotError, RuntimeError):
    """The URL could not be fetched as an article; says why in one line."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    content: bytes
    suffix: str  # .html, .txt or .pdf
    title: str = ""
    date: str = ""  # as the page's metadata gives it (trafilatura), "" when unknown

    def file_name(self) -> str:
        """A file name for it: the title (else the URL's last path part) as a slug."""
        path = urlparse(self.url).path.rstrip("/")
        stem = self.title or path.rsplit("/", 1)[-1].rsplit(".", 1)[0] or urlparse(self.url).netloc
        slug = re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")[:80].strip("-")
        return (slug or "article") + self.suffix


def is_url(text: str) -> bool:
    return urlparse(text).scheme in ("http", "https")


def fetch(url: str, timeout: float = 30.0) -> Fetched:
    """The document at `url`, with the title and date of an HTML page where it has them."""
    import httpx

    try:
        with httpx.Client(follow_redirects=True, timeout=timeout) as client:
            response = client.get(url, headers={"User-Agent": "qabot (article fetcher)"})
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: {exc or type(exc).__name__}") from None
    if response.status_code != 200:
        raise FetchError(f"could not fetch {url}: HTTP {response.status_code}")
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    suffix = _SUFFIX.get(kind)
    if suffix is None:
        raise FetchError(f"{url} is {kind or 'of unknown type'}, not an article (HTML, text, PDF)")
    content = response.content
    if len(content) > MAX_BYTES:
        raise FetchError(f"{url} is larger than {MAX_BYTES // 2**20} MB")
    title = date = ""
    if suffix == ".html":
        from trafilatura import extract_metadata

        meta = extract_metadata(response.text, default_url=str(response.url))
        if meta is not None:
            title, date = meta.title or "", meta.date or ""
    return Fetched(str(response.url), content, suffix, title, date)
