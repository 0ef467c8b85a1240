"""Plain data returned by Cache: file metadata, statistics, verification reports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FileInfo:
    """A stored file (the fields of the TypeScript FileInfo, in snake case)."""

    repo: str
    path: str
    size: int
    sha256: str
    """sha256 of the content, lowercase hex: also the content's address in the store."""
    git_sha1: str | None
    stored_at: int
    """Unix milliseconds."""
    chunk_size: int
    chunk_count: int

    @classmethod
    def from_json(cls, o: dict[str, Any]) -> FileInfo:
        return cls(
            repo=o["repo"], path=o["path"], size=o["size"], sha256=o["sha256"], git_sha1=o["gitSha1"],
            stored_at=o["storedAt"], chunk_size=o["chunkSize"], chunk_count=o["chunkCount"],
        )

    @classmethod
    def from_struct(cls, repo: str, path: str, s: Any) -> FileInfo:
        return cls(
            repo=repo, path=path, size=s.size, sha256=bytes(s.sha256).hex(),
            git_sha1=bytes(s.git_sha1).hex() if s.has_git_sha1 else None, stored_at=s.stored_ms,
            chunk_size=s.chunk_size, chunk_count=s.chunk_count,
        )


@dataclass(frozen=True)
class Stats:
    files: int
    blobs: int
    chunks: int
    uploads: int
    docs: int
    logical_bytes: int
    """Sum of file sizes."""
    stored_bytes: int
    """Sum of distinct contents' sizes (identical files are stored once)."""
    db_file_bytes: int
    db_used_bytes: int
    map_size: int
    txnid: int
    page_size: int
    chunk_size: int
    max_readers: int
    readers_used: int
    read_only: bool
    zero_copy: bool
    """Whether views map the database's pages (Linux) or are copies."""


@dataclass(frozen=True)
class Damage:
    repo: str | None
    path: str | None
    blob: int
    chunk: int | None
    reason: str


@dataclass(frozen=True)
class VerifyReport:
    files: int
    blobs: int
    chunks: int
    bytes: int
    """Content bytes checked, damaged ones included."""
    damaged: list[Damage] = field(default_factory=list)
    damaged_bytes: int = 0
    """Of `bytes`, those in damaged chunks."""

    @property
    def ok(self) -> bool:
        return not self.damaged


@dataclass(frozen=True)
class MaterializeResult:
    method: str
    """"reflink", "copy_file_range" or "copy": how the bulk of the bytes moved."""
    bytes: int
    info: FileInfo
    """The version that was written (a concurrent writer may have replaced the file since)."""
