"""Device and office keys (设备密钥、司法所密钥), enrolment and trust (登记与信任).

Every store signs its exports with an Ed25519 key made on first need; a township store holds an office key
pair — X25519 so advisors can encrypt exports only that office can read, Ed25519 to sign the certificates
of the devices it enrols. Private keys live in key files outside the store (:mod:`..keyfiles`), never in
the store, a backup or an export; public keys travel in manifests, certificates and the small office key
file advisors receive. Only ``cryptography`` primitives are used.

Trust: a device certificate is the office's signature over {device id, device public key, advisor, firm,
villages, issued at, the office's public keys}. A store that trusts an office (the office itself, an
advisor who installed a certificate) accepts files only from devices that office enrolled; a signed
revocation withdraws a device. A store that trusts no office pins the key it first saw for each device.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .. import keyfiles
from ..errors import CounselError
from ..jsontext import canonical
from ..names import control_character, escaped
from ..paths import write_atomic
from ..store import Store
from .fileformat import member_nonce  # noqa: F401 (the nonce of a sealed member: keys.member_nonce)

OFFICE_NAME = "office_name"
TRUSTED_OFFICE = "trusted_office"  # local: the office this store trusts (its public keys, as JSON)
# local: this device's public signing key, recorded when the key is made: a key file that goes missing
# (or is swapped) is then noticed instead of silently replaced by a new key under the same device id
DEVICE_KEY = "device_public_key"
CERTIFICATE = "device_certificate"  # local: this device's certificate, once installed
OFFICE_FILE_FORMAT = "village-counsel-office-key"
REQUEST_FORMAT = "village-counsel-enrolment-request"
CERTIFICATE_FORMAT = "village-counsel-device-certificate"
REVOCATION_FORMAT = "village-counsel-revocation"
PRIVATE_EXPORT_FORMAT = "village-counsel-private-keys"
CIPHER = "X25519-HKDF-SHA256-ChaCha20Poly1305"
MAX_SMALL_FILE = 256 * 1024  # a request, certificate or key file
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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _raw_private(key: Ed25519PrivateKey | X25519PrivateKey) -> str:
    return b64(key.private_bytes(_RAW, _RAW_PRIV, serialization.NoEncryption()))


def _raw_public(key: Ed25519PrivateKey | X25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(_RAW, _RAW_PUB)


def _key_file(store: Store, name: str) -> dict[str, Any] | None:
    try:
        return keyfiles.read_key(store, name)
    except OSError as exc:
        raise KeyFileError(str(exc)) from exc


# --- device signing key ------------------------------------------------------------------------------


def device_private_key(store: Store) -> Ed25519PrivateKey:
    """This store's signing key, created (and saved in its key file) on first need — but never once
    the device has signed anything: a lost key file is then an error, not a new identity."""
    stored = _key_file(store, "device")
    if stored is None:
        if has_signed(store):
            raise KeyFileError(
                f"本机（设备 {store.device_id}）的设备私钥文件缺失：请从旧电脑或备份处找回 keys 文件夹，"
                "或用 keys import-private 导入 keys export-private 导出的私钥文件"
            )
        made = _raw_private(Ed25519PrivateKey.generate())
        stored = keyfiles.write_key(store, "device", {"signing_key": made})
    try:
        key = Ed25519PrivateKey.from_private_bytes(unb64(stored.get("signing_key"), 32))
    except ValueError:
        raise KeyFileError("本机的设备密钥文件已损坏")
    public = b64(_raw_public(key))
    recorded = store.get_local(DEVICE_KEY)
    if recorded is None:
        store.set_local(DEVICE_KEY, public)
    elif recorded != public:
        raise KeyFileError(
            f"本机的设备私钥文件与本机记录的公钥不符（文件被换过？）：本机应为指纹 {key_fingerprint(unb64(recorded))}"
        )
    return key


def has_signed(store: Store) -> bool:
    """Whether this device's key has been used: recorded, or an export, a certificate or an office
    (stores of before the key was recorded)."""
    return bool(
        store.get_local(DEVICE_KEY)
        or store.get_local(CERTIFICATE)
        or store.get_local(OFFICE_NAME)
        or store.select("SELECT 1 FROM exports LIMIT 1")
    )


def device_public_key(store: Store) -> bytes:
    return _raw_public(device_private_key(store))


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
    """A township office's public keys as advisors receive them: ``public`` (X25519) to encrypt to it,
    ``signing`` (Ed25519) to check the certificates it issues (None in an office key file of before)."""

    name: str
    public: bytes
    signing: bytes | None = None

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.public)

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"name": self.name, "public_key": b64(self.public)}
        if self.signing is not None:
            body["signing_key"] = b64(self.signing)
        return body

    @classmethod
    def from_json(cls, body: Any) -> OfficeKey:
        """ValueError when ``body`` is not one."""
        if not isinstance(body, dict) or not isinstance(body.get("name", ""), str):
            raise ValueError("not an office key")
        public = unb64(body.get("public_key"), 32)
        X25519PublicKey.from_public_bytes(public)
        signing = unb64(body["signing_key"], 32) if body.get("signing_key") is not None else None
        if signing is not None:
            Ed25519PublicKey.from_public_bytes(signing)
        return cls(str(body.get("name") or "")[:60], public, signing)


def _office_keys(store: Store) -> tuple[X25519PrivateKey, Ed25519PrivateKey, str] | None:
    """The office key pairs of this store (the signing key made on first need for an office of before)."""
    stored = _key_file(store, "office")
    if stored is None:
        return None
    try:
        encryption = X25519PrivateKey.from_private_bytes(unb64(stored.get("encryption_key"), 32))
        if not stored.get("signing_key"):
            stored = keyfiles.write_key(
                store,
                "office",
                {**_fields(stored), "signing_key": _raw_private(Ed25519PrivateKey.generate())},
                replace=True,
            )
        signing = Ed25519PrivateKey.from_private_bytes(unb64(stored.get("signing_key"), 32))
    except ValueError:
        raise KeyFileError("本机的司法所密钥文件已损坏")
    return encryption, signing, str(stored.get("office_name") or store.get_local(OFFICE_NAME) or "")


def _fields(stored: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stored.items() if k not in ("format", "device_id", "name")}


def is_office(store: Store) -> bool:
    """Whether this store is a township office's (it ran ``keys office-init``), whether or not its office
    key file is at hand."""
    return store.get_local(OFFICE_NAME) is not None


def office_key_missing(store: Store) -> bool:
    """An office store whose office key file is gone (a data folder copied without ``keys/``, a restore
    onto a new laptop): it must not go on as if it trusted no one."""
    return is_office(store) and _key_file(store, "office") is None


OFFICE_KEY_MISSING = (
    "本机是司法所，但司法所私钥文件缺失（keys 文件夹），为安全起见未导入：请用 keys import-private 导入私钥"
)


def office_private_key(store: Store) -> X25519PrivateKey | None:
    keys = _office_keys(store)
    return keys[0] if keys else None


def office_key(store: Store) -> OfficeKey | None:
    """This store's own office key (public halves), or None when it is not an office store."""
    keys = _office_keys(store)
    if keys is None:
        return None
    return OfficeKey(keys[2], _raw_public(keys[0]), _raw_public(keys[1]))


def office_init(store: Store, name: str) -> OfficeKey:
    """Create this store's office key pairs; refuses to replace existing ones (files encrypted to them
    would become unreadable, certificates issued with them worthless). The office then trusts itself and
    its own device is enrolled by itself."""
    existing = office_key(store)
    if existing is None and is_office(store):
        raise KeyFileError(
            "本机是司法所，但司法所私钥文件缺失：请用 keys import-private 导入私钥，不要重新生成"
        )
    if existing is not None:
        raise KeyFileError(
            f"本机已有司法所密钥（{existing.name}，指纹 {existing.fingerprint}），未重新生成。"
        )
    name = name.strip()
    if not name or len(name) > 60 or control_character(name):
        raise KeyFileError("司法所名称应为 1 到 60 个字，不含控制字符。")
    device_private_key(store)  # this device's key is made before the store counts as an office
    keyfiles.write_key(
        store,
        "office",
        {
            "office_name": name,
            "encryption_key": _raw_private(X25519PrivateKey.generate()),
            "signing_key": _raw_private(Ed25519PrivateKey.generate()),
        },
    )
    key = office_key(store)
    assert key is not None
    with store.transaction():
        store.set_local(OFFICE_NAME, name)
        # Trust is the office's public keys, held in the store: it never depends on the private key file.
        store.set_local(TRUSTED_OFFICE, canonical(key.as_json()))
    enrol_self(store)
    return key


def write_office_key_file(key: OfficeKey, path: str | Path) -> Path:
    path = Path(path)
    body = {"format": OFFICE_FILE_FORMAT, **key.as_json(), "fingerprint": key.fingerprint}
    refuse_special_output(path)
    write_atomic(path, (json.dumps(body, ensure_ascii=False, indent=2) + "\n").encode())
    return path


def _read_small_json(path: Path, what: str) -> Any:
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):  # a folder, or a pipe that would never end
            raise KeyFileError(f"不是有效的{what}（不是普通文件）：{shown(path)}")
        if info.st_size > MAX_SMALL_FILE:
            raise ValueError("too large")
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeyFileError(f"找不到{what}：{shown(path)}")
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        raise KeyFileError(f"不是有效的{what}：{shown(path)}")


def read_office_key_file(path: str | Path) -> OfficeKey:
    """Load an office public key file; a Chinese :class:`CounselError` when it is not one."""
    path = Path(path)
    body = _read_small_json(path, "司法所公钥文件")
    try:
        if not isinstance(body, dict) or body.get("format") != OFFICE_FILE_FORMAT:
            raise ValueError("not an office key file")
        key = OfficeKey.from_json(body)
    except (ValueError, TypeError):
        raise KeyFileError(f"不是有效的司法所公钥文件：{shown(path)}")
    if body.get("fingerprint") not in (None, key.fingerprint):
        raise KeyFileError(f"司法所公钥文件的指纹与公钥不符（文件可能被改动）：{shown(path)}")
    return key


def shown(path: str | Path) -> str:
    """A path as one printable line whatever bytes its name has (see :func:`..names.escaped`)."""
    return escaped(os.fsdecode(path))


def refuse_special_output(path: Path) -> None:
    """An output path must be a regular file (or not exist yet): never a device node, a pipe or a folder,
    which an atomic rename would replace (as root) or a write would hang on. Checked before writing."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    except OSError as exc:
        raise KeyFileError(f"无法写入 {shown(path)}：{exc.strerror or exc}")
    if stat.S_ISDIR(info.st_mode):
        raise KeyFileError(f"{shown(path)} 是一个文件夹，需要的是文件名，未写入")
    if not stat.S_ISREG(info.st_mode):
        raise KeyFileError(f"{shown(path)} 不是普通文件（如设备或管道），未写入")


# --- trust: the office this store trusts, certificates, revocations ---------------------------------------


def trusted_office(store: Store) -> OfficeKey | None:
    """The office this store trusts: itself for an office store, the certificate's office for an advisor
    who installed one; None for a lone store (which pins keys instead)."""
    raw = store.get_local(TRUSTED_OFFICE)
    if raw:
        try:
            office = OfficeKey.from_json(json.loads(raw))
        except (ValueError, TypeError):
            office = None
        if office is not None and office.signing is not None:
            return office
    own = office_key(store)
    if own is not None:  # an office made before its trust was recorded: record it now
        store.set_local(TRUSTED_OFFICE, canonical(own.as_json()))
    return own


def _signed(body: dict[str, Any], form: str, key: Ed25519PrivateKey) -> dict[str, Any]:
    return {"format": form, "body": body, "signature": b64(key.sign(canonical(body).encode()))}


def _check_signed(obj: Any, form: str, public: bytes) -> dict[str, Any]:
    """The body of a signed object, when its signature by ``public`` holds; ValueError otherwise."""
    if not isinstance(obj, dict) or obj.get("format") != form or not isinstance(obj.get("body"), dict):
        raise ValueError("not a signed object")
    if not verify_signature(public, unb64(obj.get("signature"), 64), canonical(obj["body"]).encode()):
        raise ValueError("bad signature")
    return obj["body"]


@dataclass(frozen=True)
class Certificate:
    """A device enrolled by an office, as its certificate says."""

    device_id: str
    device_key: bytes
    advisor: str
    firm: str
    villages: list[dict[str, str]]
    issued_at: str
    office: OfficeKey
    raw: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        return key_fingerprint(self.device_key)

    @property
    def office_device(self) -> bool:
        """The office's own device (enrolled by itself): it relays what the office took in."""
        return self.raw["body"].get("office_device") is True


def _text(value: Any, limit: int) -> str:
    if not isinstance(value, str) or len(value) > limit or control_character(value):
        raise ValueError("bad text")  # (a newline or an escape code would forge lines where it is printed)
    return value


def _villages(value: Any) -> list[dict[str, str]]:
    if not isinstance(value, list) or len(value) > 500:
        raise ValueError("bad villages")
    return [
        {"id": _text(v.get("id"), 64), "name": _text(v.get("name"), 60)} for v in value if isinstance(v, dict)
    ]


def _device_fields(body: dict[str, Any]) -> tuple[str, bytes, str, str, list[dict[str, str]]]:
    from .fileformat import DEVICE_ID

    device_id = _text(body.get("device_id"), 64)
    if not DEVICE_ID.match(device_id):
        raise ValueError("bad device id")
    device_key = unb64(body.get("device_key"), 32)
    Ed25519PublicKey.from_public_bytes(device_key)
    advisor = _text(body.get("advisor"), 60).strip()
    if not advisor:
        raise ValueError("no advisor")
    return (
        device_id,
        device_key,
        advisor,
        _text(body.get("firm") or "", 100),
        _villages(body.get("villages") or []),
    )


def check_certificate(obj: Any, office: OfficeKey) -> Certificate:
    """A certificate issued by ``office``; ValueError when it is not (another office's, forged, damaged)."""
    if office.signing is None:
        raise ValueError("office without a signing key")
    body = _check_signed(obj, CERTIFICATE_FORMAT, office.signing)
    issuer = OfficeKey.from_json(body.get("office"))
    if issuer.signing != office.signing or issuer.public != office.public:
        raise ValueError("another office")
    device_id, device_key, advisor, firm, villages = _device_fields(body)
    return Certificate(
        device_id, device_key, advisor, firm, villages, _text(body.get("issued_at"), 40), issuer, obj
    )


def certificate_office(obj: Any) -> OfficeKey:
    """The office a certificate names (not yet checked: see :func:`check_certificate`)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("body"), dict):
        raise ValueError("not a certificate")
    return OfficeKey.from_json(obj["body"].get("office"))


def own_certificate(store: Store) -> dict[str, Any] | None:
    raw = store.get_local(CERTIFICATE)
    return json.loads(raw) if raw else None


def make_request(store: Store) -> dict[str, Any]:
    """This device's enrolment request (登记申请): id, public key, the advisor's name and firm and the
    villages it serves, signed with the device key (so the office knows the requester holds it)."""
    from ..villages import get_profile, list_villages

    profile = get_profile(store) or {}
    advisor = str(profile.get("name") or "").strip()
    if not advisor:
        raise KeyFileError("请先在“设置”中填写法律顾问姓名，再生成登记申请。")
    body = {
        "device_id": store.device_id,
        "device_key": b64(device_public_key(store)),
        "advisor": advisor[:60],
        "firm": str(profile.get("firm") or "")[:100],
        "villages": [{"id": v.id, "name": str(v.get("name") or "")[:60]} for v in list_villages(store)],
        "made_at": _now(),
    }
    return _signed(body, REQUEST_FORMAT, device_private_key(store))


def read_request(path: str | Path) -> dict[str, Any]:
    """An enrolment request's body, its self-signature checked; KeyFileError when it is not one."""
    path = Path(path)
    obj = _read_small_json(path, "登记申请文件")
    try:
        if not isinstance(obj, dict) or not isinstance(obj.get("body"), dict):
            raise ValueError("not a request")
        body = _check_signed(obj, REQUEST_FORMAT, unb64(obj["body"].get("device_key"), 32))
        _device_fields(body)
    except (ValueError, TypeError, AttributeError):
        raise KeyFileError(f"不是有效的登记申请文件（或签名不符，文件被改动）：{shown(path)}")
    return body


def _office_signing(store: Store) -> tuple[Ed25519PrivateKey, OfficeKey]:
    keys = _office_keys(store)
    if keys is None:
        raise KeyFileError("本机还没有司法所密钥，请先运行 keys office-init")
    office = office_key(store)
    assert office is not None
    return keys[1], office


def issue_certificate(
    store: Store, request: dict[str, Any], *, replace: bool = False, office_device: bool = False
) -> Certificate:
    """Enrol a device (an office store): sign its certificate and record it among the enrolled devices.

    A device id is bound to one key: a request for an id enrolled with another key is refused unless
    ``replace`` (the device really got a new key): the new certificate, issued later, then supersedes
    the old key everywhere it travels. The office's own device id is never enrolled to another key."""
    signing, office = _office_signing(store)
    device_id, device_key, advisor, firm, villages = _device_fields(request)
    held = store.select("SELECT device_key, advisor FROM devices WHERE device_id = ?", [device_id])
    if held and held[0][0] != b64(device_key):
        old = f"{escaped(held[0][1])}，指纹 {key_fingerprint(unb64(held[0][0]))}"
        if device_id == store.device_id:
            raise KeyFileError(f"设备编号 {device_id} 是司法所本机的（{old}），这份申请是冒用的，未登记")
        if not replace:
            raise KeyFileError(
                f"设备编号 {device_id} 已登记给 {old}，这份申请的公钥不同，未登记（若确是该设备换了密钥，"
                "核实后加 --replace 重新登记，旧密钥随即作废）"
            )
    body = {
        "device_id": device_id,
        "device_key": b64(device_key),
        "advisor": advisor,
        "firm": firm,
        "villages": villages,
        "issued_at": _now(),
        "office": office.as_json(),
    }
    if office_device:
        body["office_device"] = True
    cert = check_certificate(_signed(body, CERTIFICATE_FORMAT, signing), office)
    with store.transaction():
        held = store.select("SELECT revoked_at FROM devices WHERE device_id = ?", [device_id])
        if held and held[0][0]:
            raise KeyFileError(
                f"设备 {device_id}（{escaped(advisor)}）已被吊销，不能再登记；请在新设备上重新申请。"
            )
        remember_certificate(store, cert)
    return cert


def enrol_self(store: Store) -> Certificate:
    """The office's own device, enrolled by the office itself (its exports relay its own records too)."""
    from ..villages import get_profile, list_villages

    profile = get_profile(store) or {}
    _, office = _office_signing(store)
    device_private_key(store)
    request = {
        "device_id": store.device_id,
        "device_key": b64(device_public_key(store)),
        "advisor": str(profile.get("name") or office.name or "司法所")[:60],
        "firm": str(profile.get("firm") or office.name)[:100],
        "villages": [{"id": v.id, "name": str(v.get("name") or "")[:60]} for v in list_villages(store)],
    }
    cert = issue_certificate(store, request, office_device=True)
    store.set_local(CERTIFICATE, canonical(cert.raw))
    return cert


def remember_certificate(store: Store, cert: Certificate) -> None:
    """Record an enrolled device (the newest certificate of a device wins; a revocation stays)."""
    store.db.execute(
        "INSERT INTO devices (device_id, device_key, advisor, firm, villages, issued_at, certificate)"
        " VALUES (?,?,?,?,?,?,?) ON CONFLICT (device_id) DO UPDATE SET device_key = excluded.device_key,"
        " advisor = excluded.advisor, firm = excluded.firm, villages = excluded.villages,"
        " issued_at = excluded.issued_at, certificate = excluded.certificate"
        " WHERE excluded.issued_at > devices.issued_at",
        [
            cert.device_id,
            b64(cert.device_key),
            cert.advisor,
            cert.firm,
            json.dumps(cert.villages, ensure_ascii=False),
            cert.issued_at,
            canonical(cert.raw),
        ],
    )


def read_certificate_file(path: str | Path) -> dict[str, Any]:
    obj = _read_small_json(Path(path), "设备证书文件")
    if not isinstance(obj, dict) or obj.get("format") != CERTIFICATE_FORMAT:
        raise KeyFileError(f"不是有效的设备证书文件：{shown(path)}")
    return obj


def install_certificate(store: Store, obj: dict[str, Any]) -> Certificate:
    """Install this device's certificate (an advisor): from now on the store trusts the office that
    issued it, every file it signs carries it, and exports are encrypted to that office by default."""
    try:
        office = certificate_office(obj)
        cert = check_certificate(obj, office)
    except (ValueError, TypeError, AttributeError):
        raise KeyFileError("设备证书无效（签名不符或文件被改动）")
    if cert.device_id != store.device_id or cert.device_key != device_public_key(store):
        raise KeyFileError(
            f"这份证书是发给设备 {cert.device_id}（{cert.advisor}）的，不是本机（{store.device_id}）的"
        )
    trusted = trusted_office(store)
    if trusted is not None and (trusted.signing != office.signing or trusted.public != office.public):
        raise KeyFileError(
            f"本机已信任司法所“{trusted.name}”（指纹 {trusted.fingerprint}），不能改为信任另一个司法所"
        )
    with store.transaction():
        store.set_local(TRUSTED_OFFICE, canonical(office.as_json()))
        store.set_local(CERTIFICATE, canonical(cert.raw))
        remember_certificate(store, cert)
    return cert


@dataclass(frozen=True)
class Revocation:
    device_id: str
    device_key: bytes
    revoked_at: str
    raw: dict[str, Any]


def check_revocation(obj: Any, office: OfficeKey) -> Revocation:
    if office.signing is None:
        raise ValueError("office without a signing key")
    body = _check_signed(obj, REVOCATION_FORMAT, office.signing)
    if body.get("office_signing_key") != b64(office.signing):
        raise ValueError("another office")
    device_key = unb64(body.get("device_key"), 32)
    return Revocation(_text(body.get("device_id"), 64), device_key, _text(body.get("revoked_at"), 40), obj)


class TrustedDevice(NamedTuple):
    """An enrolled device as an import trusts it: its key (base64), when its certificate was issued,
    when it was revoked (None: it is not) and its certificate's canonical text."""

    key: str
    issued_at: str
    revoked_at: str | None
    certificate: str
    office_device: bool = False


def trusted_devices(store: Store, office: OfficeKey) -> dict[str, TrustedDevice]:
    """device id → the enrolled device, for every ``devices`` row whose certificate ``office`` signed for
    that very key (a row that came in another way counts for nothing); a revocation counts when the
    office signed it too."""
    out: dict[str, TrustedDevice] = {}
    for device_id, key, certificate, revoked_at, revocation in store.select(
        "SELECT device_id, device_key, certificate, revoked_at, revocation FROM devices"
    ):
        try:
            cert = check_certificate(json.loads(certificate), office)
        except (ValueError, TypeError, AttributeError, KeyError):
            continue
        if cert.device_id != device_id or b64(cert.device_key) != key:
            continue
        revoked = None
        if revoked_at and revocation:
            try:
                signed = check_revocation(json.loads(revocation), office)
                if signed.device_id == device_id and b64(signed.device_key) == key:
                    revoked = signed.revoked_at
            except (ValueError, TypeError, AttributeError, KeyError):
                pass
        out[device_id] = TrustedDevice(key, cert.issued_at, revoked, certificate, cert.office_device)
    return out


def remember_revocation(store: Store, revocation: Revocation) -> None:
    store.db.execute(
        "UPDATE devices SET revoked_at = ?, revocation = ? WHERE device_id = ? AND device_key = ?"
        " AND revoked_at IS NULL",
        [revocation.revoked_at, canonical(revocation.raw), revocation.device_id, b64(revocation.device_key)],
    )


def revoke(store: Store, device: str) -> tuple[str, str]:
    """Revoke an enrolled device (an office store) by its id or advisor name: its later files are refused
    here and, once this office's next export is imported, everywhere. Returns (device id, advisor)."""
    signing, office = _office_signing(store)
    rows = store.select(
        "SELECT device_id, device_key, advisor, revoked_at FROM devices WHERE device_id = ? OR advisor = ?",
        [device, device],
    )
    if not rows:
        raise KeyFileError(f"没有登记过设备“{device}”（keys devices 列出已登记的设备）")
    if len(rows) > 1:
        raise KeyFileError(f"有多台设备登记在“{device}”名下，请给出设备编号")
    device_id, device_key, advisor, revoked_at = rows[0]
    if device_id == store.device_id:
        raise KeyFileError("不能吊销司法所本机")
    if revoked_at:
        raise KeyFileError(f"设备 {device_id}（{advisor}）已于 {revoked_at} 吊销")
    body = {
        "device_id": device_id,
        "device_key": device_key,
        "revoked_at": _now(),
        "office_signing_key": b64(signing.public_key().public_bytes(_RAW, _RAW_PUB)),
    }
    with store.transaction():
        remember_revocation(store, check_revocation(_signed(body, REVOCATION_FORMAT, signing), office))
    return device_id, advisor


@dataclass
class Device:
    """An enrolled device as ``keys devices`` lists it."""

    device_id: str
    advisor: str
    firm: str
    fingerprint: str
    villages: list[str]
    issued_at: str
    revoked_at: str | None


def enrolled_devices(store: Store) -> list[Device]:
    out = []
    for device_id, key, advisor, firm, villages, issued_at, revoked_at in store.select(
        "SELECT device_id, device_key, advisor, firm, villages, issued_at, revoked_at FROM devices"
        " ORDER BY advisor, device_id"
    ):
        names = [
            str(v.get("name") or v.get("id")) for v in json.loads(villages or "[]") if isinstance(v, dict)
        ]
        out.append(
            Device(device_id, advisor, firm or "", key_fingerprint(unb64(key)), names, issued_at, revoked_at)
        )
    return out


def advisor_names(store: Store) -> dict[str, str]:
    """device id → advisor name, for every device this store knows a certificate of."""
    return dict(store.select("SELECT device_id, advisor FROM devices"))


# --- moving a laptop: the private keys, sealed with a passphrase ------------------------------------------


# The file carries the office's private key: scrypt at 2^17 (128 MiB, about half a second here), and the
# files of before (2^15) still open.
KDF = "scrypt-n131072-r8-p1"
_KDFS = {"scrypt-n32768-r8-p1": 2**15, KDF: 2**17}
_RUNS = ("0123456789" * 3, "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm", "1qaz2wsx3edc4rfv5tgb")
_COMMON = {"password", "passw0rd", "qwertyuiop", "iloveyou", "woaini", "1qaz2wsx", "abc123456", "a123456789"}


def _passphrase_key(passphrase: str, salt: bytes, kdf: str = KDF) -> bytes:
    # surrogateescape: a passphrase typed in another encoding (bytes that are not UTF-8) still derives
    return Scrypt(salt=salt, length=32, n=_KDFS[kdf], r=8, p=1).derive(
        passphrase.encode("utf-8", "surrogateescape")
    )


def weak_passphrase(passphrase: str) -> str | None:
    """Why a passphrase is too weak to seal the private keys (None when it will do): at least 10
    characters (6 when most are Chinese), at least 5 different ones, not a run such as 1234567890 or a
    common word."""
    text = passphrase.strip()
    wide = sum(1 for ch in text if ord(ch) > 0x2E7F)
    if len(text) < (6 if wide * 2 >= len(text) and text else 10):
        return "口令太短：至少 10 个字符（以汉字为主时至少 6 个字）"
    if len(set(text)) < 5:
        return "口令太简单：至少要有 5 个不同的字符"
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    runs = "".join(_RUNS) + "".join(r[::-1] for r in _RUNS)
    if (len(steps) == 1 and steps <= {-1, 0, 1}) or text.lower() in runs:
        return "口令太简单：不能是 1234567890 之类的连续字符"
    if text.lower() in _COMMON or text.lower().rstrip("0123456789!.") in _COMMON:
        return "口令太常见，请换一个"
    return None


def export_private(store: Store, path: str | Path, passphrase: str) -> Path:
    """This device's identity — id, signing key, office keys, certificate and trusted office — in a file
    sealed with ``passphrase`` (scrypt + ChaCha20-Poly1305), to move to a new laptop."""
    weak = weak_passphrase(passphrase)
    if weak:
        raise KeyFileError(weak)
    path = Path(path)
    refuse_special_output(path)
    device_private_key(store)  # made now if it was not yet
    inner = {
        "device_id": store.device_id,
        "device": _fields(_key_file(store, "device") or {}),
        "office": _fields(_key_file(store, "office") or {}) or None,
        "certificate": store.get_local(CERTIFICATE),
        "trusted_office": store.get_local(TRUSTED_OFFICE),
        "office_name": store.get_local(OFFICE_NAME),
        "created_at": store.get_local("created_at"),
        "last_export_seq": int(store.select("SELECT coalesce(max(seq), 0) FROM exports")[0][0]),
    }
    salt, nonce = os.urandom(16), os.urandom(12)
    sealed = ChaCha20Poly1305(_passphrase_key(passphrase, salt, KDF)).encrypt(
        nonce, json.dumps(inner, ensure_ascii=False).encode(), PRIVATE_EXPORT_FORMAT.encode()
    )
    body = {
        "format": PRIVATE_EXPORT_FORMAT,
        "kdf": KDF,
        "salt": b64(salt),
        "nonce": b64(nonce),
        "sealed": b64(sealed),
    }
    data = (json.dumps(body, indent=1) + "\n").encode()
    write_atomic(path, data)
    keyfiles.private(path)
    return path


def import_private(store: Store, path: str | Path, passphrase: str) -> str:
    """Take over the identity in a file of :func:`export_private` (a new laptop replacing an old one):
    this store becomes that device. Returns the device id."""
    path = Path(path)
    obj = _read_small_json(path, "私钥文件")
    if not isinstance(obj, dict) or obj.get("format") != PRIVATE_EXPORT_FORMAT:
        raise KeyFileError(f"不是本程序导出的私钥文件：{shown(path)}")
    kdf = obj.get("kdf", "scrypt-n32768-r8-p1")
    if kdf not in _KDFS:
        raise KeyFileError(f"私钥文件的口令算法不受支持（由更新版本的程序导出？）：{shown(path)}")
    try:
        salt, nonce, sealed = (
            unb64(obj.get("salt"), 16),
            unb64(obj.get("nonce"), 12),
            base64.b64decode(str(obj.get("sealed")), validate=True),
        )
        inner = json.loads(
            ChaCha20Poly1305(_passphrase_key(passphrase, salt, kdf)).decrypt(
                nonce, sealed, PRIVATE_EXPORT_FORMAT.encode()
            )
        )
    except InvalidTag:
        raise KeyFileError("口令不对（或文件被改动），私钥未导入")
    except (ValueError, TypeError):
        raise KeyFileError(f"私钥文件已损坏：{shown(path)}")
    from .fileformat import DEVICE_ID

    device_id = inner.get("device_id")
    if not isinstance(device_id, str) or not DEVICE_ID.match(device_id):
        raise KeyFileError(f"私钥文件已损坏：{shown(path)}")
    try:
        public = b64(
            _raw_public(Ed25519PrivateKey.from_private_bytes(unb64(inner["device"]["signing_key"], 32)))
        )
    except (ValueError, KeyError, TypeError):
        raise KeyFileError(f"私钥文件已损坏：{shown(path)}")
    old_id = store.device_id
    with store.transaction():
        if device_id == old_id:
            recorded = store.get_local(DEVICE_KEY)
            if recorded is not None and recorded != public:
                raise KeyFileError("私钥文件中的设备密钥与本机记录的公钥不符，未导入")
        else:
            _take_identity(store, old_id, device_id)
        store.set_local(DEVICE_KEY, public)
        store.db.execute("INSERT OR REPLACE INTO local (key, value) VALUES ('device_id', ?)", [device_id])
        for key in (CERTIFICATE, TRUSTED_OFFICE, OFFICE_NAME, "created_at"):
            if inner.get(key):
                store.db.execute("INSERT OR REPLACE INTO local (key, value) VALUES (?, ?)", [key, inner[key]])
        last = int(inner.get("last_export_seq") or 0)
        held = int(store.select("SELECT coalesce(max(seq), 0) FROM exports")[0][0])
        if last > held:  # the next export goes on from the old laptop's numbers, and is a full one
            store.db.execute(
                "INSERT INTO exports (seq, made_at, upto, full, records, path) VALUES (?, ?, -1, 0, 0, ?)",
                [last, _now(), "keys import-private"],
            )
        store.device_id = device_id  # key files are named by the device id
        try:
            keyfiles.write_key(store, "device", inner["device"], replace=True)
            if inner.get("office"):
                keyfiles.write_key(store, "office", inner["office"], replace=True)
        except BaseException:
            store.device_id = old_id
            raise
    return device_id


def _take_identity(store: Store, old: str, new: str) -> None:
    """This laptop becomes device ``new``: refused once it has spoken as ``old`` (an export, a
    certificate, an office), since others hold its revisions under that id. Otherwise the revisions it
    made as ``old`` (the welcome's profile, records entered before) are re-stamped as ``new``'s, in the
    same transaction, so that later exports carry no revision of a device nobody enrolled."""
    if store.select("SELECT 1 FROM exports LIMIT 1") or store.get_local(CERTIFICATE) or is_office(store):
        raise KeyFileError(
            f"本机已作为设备 {old} 导出过文件或已登记，不能再换成设备 {new}：请在新装的（空的）数据上导入私钥"
        )
    quoted_old, quoted_new = json.dumps(old), json.dumps(new)
    for sql in (
        "UPDATE revisions SET origin = :new WHERE origin = :old",
        "UPDATE revisions SET base_origin = :new WHERE base_origin = :old",
        "UPDATE revisions SET resolves = replace(resolves, :qold, :qnew) WHERE instr(resolves, :qold)",
        "UPDATE records SET origin = :new WHERE origin = :old",
        "UPDATE records SET base_origin = :new WHERE base_origin = :old",
        "UPDATE resolutions SET origin = :new WHERE origin = :old",
    ):
        store.db.execute(sql, {"old": old, "new": new, "qold": quoted_old, "qnew": quoted_new})
    store.db.execute("DELETE FROM local WHERE key = ?", [DEVICE_KEY])
    store.last_operation = None  # its seq range named the revisions under their old origin


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
