"""Where screenshots go: a provider from the environment or a dict of the same variable names
(`FILE_PROVIDER=S3`, `AWS_S3_BUCKET`, …), or your product's own storage object."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Protocol, runtime_checkable

from ._native import Storage

__all__ = ["ProductStorage", "Storage", "from_object", "open"]


@runtime_checkable
class ProductStorage(Protocol):
    """Your own storage: blocking methods, called on the tracker's I/O threads (with the GIL).
    `get` raises `KeyError` (or returns None) for a missing object; `head` returns the size or
    None; `delete` of a missing object succeeds. An optional `signed_url(key, expires_seconds)`
    returns a URL. Any other exception is a failure the outbox retries."""

    def put(self, key: str, data: bytes) -> object: ...

    def get(self, key: str) -> bytes | None: ...

    def head(self, key: str) -> int | None: ...

    def delete(self, key: str) -> object: ...


def open(env: Mapping[str, str] | None = None) -> Storage:
    """The provider named by `env` (None: the process environment)."""
    return Storage.open(json.dumps(dict(env)) if env is not None else None)


def from_object(obj: ProductStorage, timeout: float = 60.0) -> Storage:
    """Your own storage object, each call given at most `timeout` seconds."""
    return Storage.from_object(obj, timeout)
