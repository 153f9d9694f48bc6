"""Fetching a price list: an https:// URL (http:// only on loopback, for tests), or a local
file. Bounded in size and time; redirects only to https (or loopback); no credential of any
kind is sent (no API key, no cookie, no auth header: a price list is public). What is fetched is
returned as bytes and only ever parsed as data, never run. Errors: a network or HTTP failure is
FetchError (exit 3); a refused address or an oversized answer is InputError (exit 2)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from claude_cost.core.errors import ApiError, InputError

__all__ = ["FetchError", "fetch", "MAX_BYTES", "TIMEOUT", "is_url"]

MAX_BYTES = 8 * 1024 * 1024  # the largest public list we read (LiteLLM's, all providers) is ~3.5 MB
TIMEOUT = 20.0
_LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


class FetchError(ApiError):
    """The network or the server failed (exit 3): nothing was changed."""


def is_url(text: str) -> bool:
    return urllib.parse.urlsplit(text).scheme in ("http", "https", "file", "ftp")


def _allowed(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme == "https" or (parts.scheme == "http" and (parts.hostname or "") in _LOOPBACK)


class _Redirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        if not _allowed(newurl):
            raise InputError(f"{req.full_url}: redirected to {newurl}, which is not https", hint="price lists are fetched over https only")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(source: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT) -> bytes:
    """The bytes of `source` (a URL or a file path)."""
    if not is_url(source):
        path = Path(source)
        try:
            size = path.stat().st_size
            if size > max_bytes:
                raise InputError(f"{source}: {size:,} bytes is more than a price list (at most {max_bytes:,})")
            return path.read_bytes()
        except FileNotFoundError:
            raise InputError(f"{source}: no such file") from None
        except IsADirectoryError:
            raise InputError(f"{source}: is a directory") from None
        except OSError as exc:
            raise InputError(f"{source}: cannot read: {exc.strerror}") from None
    if not _allowed(source):
        raise InputError(f"{source}: only https:// URLs (or a local file) are fetched", hint="use the https address, or download it and give the file")
    # a bare opener: no proxy credentials from the environment's auth handlers, no cookies
    opener = urllib.request.build_opener(_Redirects)
    request = urllib.request.Request(source, headers={"User-Agent": "claude-cost", "Accept": "*/*"})
    try:
        with opener.open(request, timeout=timeout) as resp:
            declared = resp.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise InputError(f"{source}: {int(declared):,} bytes is more than a price list (at most {max_bytes:,})")
            data = resp.read(max_bytes + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{source}: HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise FetchError(f"{source}: cannot connect: {exc.reason}", hint="check the network, or give a local file") from None
    except TimeoutError:
        raise FetchError(f"{source}: timed out after {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:  # a connection reset or cut halfway, …
        raise FetchError(f"{source}: the download failed: {type(exc).__name__} {exc}") from None
    if len(data) > max_bytes:
        raise InputError(f"{source}: more than {max_bytes:,} bytes: not a price list", hint="nothing was changed")
    return data
