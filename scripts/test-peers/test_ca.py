#!/usr/bin/env python3
"""Throwaway certificates for tests: a CA, a server certificate it signs, and an unrelated CA.

    python3 scripts/test-peers/test_ca.py DIR

writes into DIR:
    ca.pem          the test CA (what a client is told to trust)
    server.pem      the server certificate, for localhost, 127.0.0.1 and ::1, signed by ca.pem
    server.key      its private key (PEM, unencrypted)
    other-ca.pem    a second CA that signed nothing here (a client trusting only it must fail)

Keys are P-256 (fast to make); certificates are valid from an hour ago for one day. Needs the
`cryptography` package.
"""
import datetime
import ipaddress
import os
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _name(common_name):
    return x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenantry tests"),
        x509.NameAttribute(NameOID.COMMON_NAME, common_name),
    ])


def _validity(builder):
    now = datetime.datetime.now(datetime.timezone.utc)
    return builder.not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=1))


def make_ca(common_name):
    key = ec.generate_private_key(ec.SECP256R1())
    builder = _validity(
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
    )
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return key, builder.sign(key, hashes.SHA256())


def make_server_certificate(ca_key, ca_cert, dns_names=("localhost",), ips=("127.0.0.1", "::1")):
    key = ec.generate_private_key(ec.SECP256R1())
    names = [x509.DNSName(name) for name in dns_names] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    builder = _validity(
        x509.CertificateBuilder()
        .subject_name(_name(dns_names[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
    )
    builder = (
        builder.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
    )
    return key, builder.sign(ca_key, hashes.SHA256())


def _write(path, data):
    with open(path, "wb") as handle:
        handle.write(data)


def write_test_pki(directory):
    """Writes the four files into `directory` (created if needed) and returns their paths."""
    os.makedirs(directory, exist_ok=True)
    ca_key, ca_cert = make_ca("Tenantry test CA")
    server_key, server_cert = make_server_certificate(ca_key, ca_cert)
    _, other_cert = make_ca("Tenantry unrelated CA")
    paths = {
        "ca": os.path.join(directory, "ca.pem"),
        "cert": os.path.join(directory, "server.pem"),
        "key": os.path.join(directory, "server.key"),
        "other_ca": os.path.join(directory, "other-ca.pem"),
    }
    _write(paths["ca"], ca_cert.public_bytes(serialization.Encoding.PEM))
    _write(paths["cert"], server_cert.public_bytes(serialization.Encoding.PEM))
    _write(
        paths["key"],
        server_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
    )
    _write(paths["other_ca"], other_cert.public_bytes(serialization.Encoding.PEM))
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: test_ca.py DIR")
    for path in write_test_pki(sys.argv[1]).values():
        print(path)
