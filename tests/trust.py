"""Test helper: enrol a device's store with an office store, as `keys request` / `keys enroll` /
`keys install` do through files."""

from __future__ import annotations

from village_counsel.store import Store
from village_counsel.sync import keys


def enrol(office: Store, device: Store, advisor: str = "张律师") -> keys.Certificate:
    """Enrol ``device`` with ``office`` (made an office first if it is not one) and install the certificate."""
    if keys.office_key(office) is None:
        keys.office_init(office, "西周镇司法所")
    request = {
        "device_id": device.device_id,
        "device_key": keys.b64(keys.device_public_key(device)),
        "advisor": advisor,
        "firm": "象山律师事务所",
        "villages": [],
    }
    cert = keys.issue_certificate(office, request)
    keys.install_certificate(device, cert.raw)
    return cert
