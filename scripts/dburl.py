"""Derive a sibling database URL (same server, another name), for bench and soak."""

import urllib.parse


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    # urlunsplit would drop the empty host of postgres:///name (Unix socket).
    return f"{parts.scheme}://{parts.netloc}/{name}{query}"


def database_name(url, default="qualicoop"):
    return urllib.parse.urlsplit(url).path.lstrip("/") or default
