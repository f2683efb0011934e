"""The export file format: names, version and the limits an import enforces.

An export is a ZIP holding ``manifest.json``, ``manifest.sig`` (base64 Ed25519 signature over the
manifest's exact bytes) and members ``records-00001.jsonl`` … of at most ``MEMBER_REVISIONS`` lines, one
revision per line. Encrypted exports name their members ``….jsonl.enc``: each is the zlib-compressed
JSON Lines sealed with ChaCha20-Poly1305 (nonce = member index, associated data = member name).

Version 2 adds trust: the manifest carries the device's certificate (``certificate``), the certificates
of the devices whose revisions it relays or — from an office — of every device the office enrolled
(``enrolled``), and the office's signed revocations (``revoked``). An encrypted export of version 2 shows
only what routing needs: everything else of the manifest (export number, counts, villages, certificates,
each member's revision count) is in the sealed member ``meta.json.enc`` (nonce 0). Version-1 files are
still read (in a store that trusts no office: they carry no certificate).
"""

from __future__ import annotations

import re

FORMAT = "village-counsel-export"
FORMAT_VERSION = 2
MANIFEST = "manifest.json"
SEALED_META = "meta.json.enc"
MAX_CERTIFICATES = 5000  # enrolled devices an office's file may list
SIGNATURE = "manifest.sig"
MEMBER_REVISIONS = 2000  # lines per member: what one import worker holds at a time
EXTENSION = ".zip"

# Limits against damaged and hostile files (zip bombs, absurd manifests). Sizes are of the member's
# content after ZIP decompression; they are counted while reading, never taken from the ZIP headers.
MAX_FILE_BYTES = 2 * 1024**3
MAX_MEMBERS = 20_000
MAX_MEMBER_BYTES = 64 * 1024**2
MAX_TOTAL_BYTES = 8 * 1024**3
MAX_MANIFEST_BYTES = 8 * 1024**2
MAX_SIGNATURE_BYTES = 1024
MAX_RATIO = 200  # uncompressed / compressed; JSON Lines of Chinese text deflate about 4–10×
MAX_LINE_BYTES = 1024**2
MAX_RESOLVES = 1000
MAX_SEQ = 2**31 - 1  # an export number: one export a minute would take four thousand years to reach it

# (\Z, not $: a $ would also take a name with a newline after it.)
MEMBER_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9_.-]{0,99}\Z")
DEVICE_ID = re.compile(r"\A[A-Za-z0-9_-]{1,64}\Z")
RECORD_ID = re.compile(r"\A[A-Za-z0-9_.:-]{1,64}\Z")
MAX_UPDATED_AT = 40  # characters of a revision's updated_at


def plain_member_name(name: str) -> bool:
    """A member name without any path: no folders, no '..', no drive, nothing absolute."""
    return bool(MEMBER_NAME.match(name)) and ".." not in name


def member_name(index: int, encrypted: bool) -> str:
    return f"records-{index:05d}.jsonl" + (".enc" if encrypted else "")


def member_nonce(index: int) -> bytes:
    """The nonce a sealed member is encrypted with: its index (0: the sealed manifest). Here, not in
    :mod:`.keys`, so the import's worker processes never load the key and trust code."""
    return index.to_bytes(12, "big")
