"""Device and office keys (设备密钥、司法所密钥).

Every store signs its exports with an Ed25519 key made on first need; a township store can hold an X25519
office key so advisors can encrypt exports that only that office can read. Private keys stay in the
store's ``local`` table (never synced, never exported); public keys travel in manifests and in the small
office key file advisors receive. Only ``cryptography`` primitives are used.
"""

from __future__ import annotations

import base64
import hashlib
import json
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import CounselError
from ..paths import write_atomic
from ..store import Store

DEVICE_KEY = "device_signing_key"
OFFICE_KEY = "office_private_key"
OFFICE_NAME = "office_name"
OFFICE_FILE_FORMAT = "village-counsel-office-key"
CIPHER = "X25519-HKDF-SHA256-ChaCha20Poly1305"
_RAW = serialization.Encoding.Raw
_RAW_PUB = serialization.PublicFormat.Raw
_RAW_PRIV = serialization.PrivateFormat.Raw


class KeyFileError(CounselError):
    """A key file or key that cannot be used."""


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object, length: int | None = None) -> bytes:
    """Decode base64 text strictly; ``ValueError`` when it is not (or not ``length`` bytes)."""
    if not isinstance(text, str) or len(text) > 4096:
        raise ValueError("not base64 text")
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    if length is not None and len(raw) != length:
        raise ValueError("wrong key length")
    return raw


def key_fingerprint(public: bytes) -> str:
    """A short form of a public key that can be read over the phone: 16 hex digits in groups of four."""
    digest = hashlib.sha256(public).hexdigest()[:16].upper()
    return " ".join(digest[i : i + 4] for i in range(0, 16, 4))


# --- device signing key ------------------------------------------------------------------------------


def device_private_key(store: Store) -> Ed25519PrivateKey:
    """This store's signing key, created (and saved) on first need."""
    stored = store.get_local(DEVICE_KEY)
    if stored:
        return Ed25519PrivateKey.from_private_bytes(unb64(stored, 32))
    key = Ed25519PrivateKey.generate()
    store.set_local(DEVICE_KEY, b64(key.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption())))
    return key


def device_public_key(store: Store) -> bytes:
    return device_private_key(store).public_key().public_bytes(_RAW, _RAW_PUB)


def sign(store: Store, message: bytes) -> bytes:
    return device_private_key(store).sign(message)


def verify_signature(public: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --- office key ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficeKey:
    """A township office's public key as advisors receive it."""

    name: str
    public: bytes

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public)


def office_private_key(store: Store) -> X25519PrivateKey | None:
    stored = store.get_local(OFFICE_KEY)
    return X25519PrivateKey.from_private_bytes(unb64(stored, 32)) if stored else None


def office_key(store: Store) -> OfficeKey | None:
    """This store's own office key (public half), or None when it is not an office store."""
    private = office_private_key(store)
    if private is None:
        return None
    return OfficeKey(store.get_local(OFFICE_NAME) or "", private.public_key().public_bytes(_RAW, _RAW_PUB))


def office_init(store: Store, name: str) -> OfficeKey:
    """Create this store's office key pair; refuses to replace an existing one (files encrypted to it
    would become unreadable)."""
    existing = office_key(store)
    if existing is not None:
        raise KeyFileError(
            f"本机已有司法所密钥（{existing.name}，指纹 {existing.fingerprint}），未重新生成。"
        )
    name = name.strip()
    if not name or len(name) > 60:
        raise KeyFileError("司法所名称应为 1 到 60 个字。")
    private = X25519PrivateKey.generate()
    with store.transaction():
        store.set_local(OFFICE_KEY, b64(private.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption())))
        store.set_local(OFFICE_NAME, name)
    key = office_key(store)
    assert key is not None
    return key


def write_office_key_file(key: OfficeKey, path: str | Path) -> Path:
    path = Path(path)
    body = {
        "format": OFFICE_FILE_FORMAT,
        "name": key.name,
        "public_key": b64(key.public),
        "fingerprint": key.fingerprint,
    }
    write_atomic(path, (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode())
    return path


def read_office_key_file(path: str | Path) -> OfficeKey:
    """Load an office public key file; a Chinese :class:`CounselError` when it is not one."""
    path = Path(path)
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, or a pipe that would never end
            raise KeyFileError(f"不是有效的司法所公钥文件（不是普通文件）：{path}")
        if info.st_size > 64 * 1024:
            raise ValueError("too large")
        body = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(body, dict) or body.get("format") != OFFICE_FILE_FORMAT:
            raise ValueError("not an office key file")
        key = OfficeKey(str(body.get("name") or ""), unb64(body.get("public_key"), 32))
        X25519PublicKey.from_public_bytes(key.public)
    except FileNotFoundError:
        raise KeyFileError(f"找不到司法所公钥文件：{path}")
    except (OSError, ValueError, UnicodeDecodeError):
        raise KeyFileError(f"不是有效的司法所公钥文件：{path}")
    if body.get("fingerprint") not in (None, key.fingerprint):
        raise KeyFileError(f"司法所公钥文件的指纹与公钥不符（文件可能被改动）：{path}")
    return key


# --- encryption of export members ----------------------------------------------------------------------


def _derive_key(shared: bytes, ephemeral_public: bytes, office_public: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"village-counsel export v1" + ephemeral_public + office_public,
    ).derive(shared)


def _derive(shared: bytes, ephemeral_public: bytes, office_public: bytes) -> ChaCha20Poly1305:
    return ChaCha20Poly1305(_derive_key(shared, ephemeral_public, office_public))


def new_sealer(office: OfficeKey) -> tuple[ChaCha20Poly1305, bytes]:
    """A fresh ephemeral key agreement with the office key: the cipher and the ephemeral public key
    that the manifest carries. One ephemeral key per export, so per-member counter nonces never repeat."""
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(_RAW, _RAW_PUB)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(office.public))
    return _derive(shared, ephemeral_public, office.public), ephemeral_public


def opener_key(store: Store, ephemeral_public: bytes) -> bytes | None:
    """The member key of a file encrypted to this store's office key (None without one); it opens the
    file's members with :class:`ChaCha20Poly1305` (also in the import's worker processes)."""
    private = office_private_key(store)
    if private is None:
        return None
    office_public = private.public_key().public_bytes(_RAW, _RAW_PUB)
    shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral_public))
    return _derive_key(shared, ephemeral_public, office_public)


def member_nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")
