"""Fingerprints of fact files, which the cache is keyed by: each file's name, size and hash.

The hash is blake2b over the blake2b of each 1 MiB piece of the file, in order. So a big file
is hashed on two cores at once (blake2b lets other threads run while it hashes), and a file
read a block at a time, as `tmkfacts.store.stream` reads it, has the same hash as one read
whole.
"""

from __future__ import annotations

import threading
from pathlib import Path

try:  # hashlib's own blake2b, without loading OpenSSL's bindings as `import hashlib` does
    from _blake2 import blake2b
except ImportError:  # another Python than CPython
    from hashlib import blake2b

#: A file's name, size in bytes and content hash.
Fingerprint = tuple[str, int, bytes]

#: The pieces a file is hashed in.
PIECE = 2**20  # small enough that two threads get about as much of a big file each

_SIZE = 20  # bytes of each hash


class Hasher:
    """The hash of bytes given a block at a time, in order."""

    def __init__(self) -> None:
        self.size = 0
        self._pieces: list[bytes] = []
        self._piece = blake2b(digest_size=_SIZE)
        self._in_piece = 0

    def update(self, data: bytes | memoryview) -> None:
        """Hash these bytes, which follow those given before."""
        view = memoryview(data)
        self.size += len(view)
        while view:
            if self._in_piece == PIECE:
                self._pieces.append(self._piece.digest())
                self._piece, self._in_piece = blake2b(digest_size=_SIZE), 0
            taken = view[: PIECE - self._in_piece]
            self._piece.update(taken)
            self._in_piece += len(taken)
            view = view[len(taken) :]

    def digest(self) -> bytes:
        """The hash of all the bytes given."""
        return _combine([*self._pieces, self._piece.digest()])


def of_bytes(name: str, data: bytes | memoryview) -> Fingerprint:
    """The fingerprint of a file with these bytes."""
    hasher = Hasher()
    hasher.update(data)
    return name, hasher.size, hasher.digest()


def of_file(path: Path) -> Fingerprint:
    """The fingerprint of a file as it is now; OSError if it cannot be read.

    A file of more than one piece is read and hashed by two threads, each taking every other
    piece. Should the file change meanwhile, pieces of unequal length give a hash that no file
    read whole can have, so it can only miss the cache, never hit an entry of other bytes.
    """
    size = path.stat().st_size
    count = max(1, -(-size // PIECE))
    if count == 1:
        return of_bytes(str(path), path.read_bytes())
    pieces: list[bytes] = [b""] * count
    lengths = [0] * count
    failed: list[OSError] = []

    def hash_pieces(first: int) -> None:
        buffer = memoryview(bytearray(PIECE))  # one per thread, read into again and again
        try:
            with path.open("rb") as handle:  # buffered: it reads until the piece is full
                for number in range(first, count, 2):
                    handle.seek(number * PIECE)
                    data: bytes | memoryview = buffer[: handle.readinto(buffer)]
                    if number == count - 1 and (more := handle.read()):  # it grew meanwhile
                        data = bytes(data) + more
                    pieces[number] = blake2b(data, digest_size=_SIZE).digest()
                    lengths[number] = len(data)
        except OSError as error:
            failed.append(error)

    helper = threading.Thread(target=hash_pieces, args=(1,))
    helper.start()
    hash_pieces(0)
    helper.join()
    if failed:
        raise failed[0]
    return str(path), sum(lengths), _combine(pieces)


def _combine(pieces: list[bytes]) -> bytes:
    return blake2b(b"".join(pieces), digest_size=_SIZE).digest()


__all__ = ["PIECE", "Fingerprint", "Hasher", "blake2b", "of_bytes", "of_file"]
