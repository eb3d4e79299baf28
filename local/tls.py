"""A self-signed certificate for --https: phones on the same network need a secure context for
the camera (getUserMedia), so the stack serves TLS for localhost and this machine's LAN addresses.

The certificate is kept in the data folder and remade when it nears expiry or when the machine's
addresses change. Browsers warn once about it; accept the warning on each device.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

# Apple platforms refuse server certificates valid for more than 825 days; stay well below.
VALID_DAYS = 397
RENEW_BEFORE_DAYS = 30


def certificate_hosts(lan_ips: list[str]) -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) the certificate must cover."""
    return ["localhost"], sorted({"127.0.0.1", "::1", *lan_ips})


def ensure_certificate(directory: Path, lan_ips: list[str]) -> tuple[Path, Path]:
    """Paths of a certificate and key covering localhost and `lan_ips`, made if needed."""
    directory.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = directory / "localhost.crt", directory / "localhost.key"
    names, ips = certificate_hosts(lan_ips)
    if not _still_good(cert_path, key_path, names, ips):
        _generate(cert_path, key_path, names, ips)
    return cert_path, key_path


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(cert_path, key_path)
    return context


def _still_good(cert_path: Path, key_path: Path, names: list[str], ips: list[str]) -> bool:
    if not (cert_path.is_file() and key_path.is_file()):
        return False
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, x509.ExtensionNotFound):
        return False
    covered_names = set(san.get_values_for_type(x509.DNSName))
    covered_ips = {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}
    renew_at = cert.not_valid_after_utc - datetime.timedelta(days=RENEW_BEFORE_DAYS)
    return set(names) <= covered_names and set(ips) <= covered_ips and datetime.datetime.now(datetime.UTC) < renew_at


def _generate(cert_path: Path, key_path: Path, names: list[str], ips: list[str]) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "DermaFollow local"),
        x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
    ])
    now = datetime.datetime.now(datetime.UTC)
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in names]
    alt_names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # The key file is readable by this user only.
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key_bytes)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
