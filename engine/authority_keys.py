"""Each issuing authority's signing key and certificate, and the PAdES signature of its documents.

The seal on the page is a picture; what proves that an authority issued a PDF, and that nobody changed
it since, is a digital signature made with the authority's key (pyHanko, PAdES baseline B-B: the
signature covers every byte of the file but its own).

Keys live outside the database, like the identity key (engine/sealing.py): in the folder named by
`LIANDONG_AUTHORITY_KEYS` (default `instance/authority-keys`), one pair per authority, named by its
directory code: `market_bureau.pem` holds the private key (PEM, unencrypted), then its certificate and
any intermediate certificates of its chain; mode 0600.

A deployment installs the certificates its CA issued to each authority there (README: "公文签名证书").
Where an authority has none, a demo key and a self-signed certificate in its name are made the first
time it issues ; set
`LIANDONG_AUTHORITY_KEYS_DEMO=0` to refuse that and require installed certificates.
"""
import asyncio
import concurrent.futures
import functools
import io
import logging
import os
import re
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .errors import LiandongError

log = logging.getLogger(__name__)
DEFAULT_FOLDER = "instance/authority-keys"
SIGNATURE_FIELD = "authority_signature"


class SigningKeyMissing(LiandongError):
    status = 500


PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z ]+)-----.+?-----END \1-----", re.S)


def folder() -> Path:
    return Path(os.environ.get("LIANDONG_AUTHORITY_KEYS", DEFAULT_FOLDER))


def _path(code: str) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", code or "") or code.startswith("."):
        raise ValueError(f"发文机关代码不能用作文件名：{code!r}")
    return folder() / f"{code}.pem"


def _make_demo_pair(code: str, full_name: str) -> None:
    """A P-256 key and a self-signed certificate naming the authority (demo and tests only), written
    to a private temporary file and linked into place: a file that exists is whole, and two workers
    starting together end up with the same pair."""
    path = _path(code)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.LOCALITY_NAME, "鞍山市"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, full_name[:21]),
                      x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "演示证书（非CA签发）"),
                      x509.NameAttribute(NameOID.COMMON_NAME, full_name[:21])])  # 64 bytes of UTF-8 at most
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime(2020, 1, 1, tzinfo=timezone.utc))
            .not_valid_after(datetime(2050, 1, 1, tzinfo=timezone.utc))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_cert_sign=True,
                                         crl_sign=False, key_encipherment=False, data_encipherment=False,
                                         key_agreement=False, encipher_only=False, decipher_only=False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()) + cert.public_bytes(serialization.Encoding.PEM)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{code}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.link(temporary, path)
        log.warning("为%s生成了演示签名证书 %s（正式部署请安装CA签发的证书）", full_name, path)
    except FileExistsError:
        pass  # another worker made it first: use theirs
    finally:
        os.unlink(temporary)


def _load(code: str, full_name: str):
    """(private key, [certificate, chain…]) as pyHanko takes them, from the authority's PEM file."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509

    path = _path(code)
    if not path.exists():
        if os.environ.get("LIANDONG_AUTHORITY_KEYS_DEMO", "1") == "0":
            raise SigningKeyMissing(f"发文机关“{full_name}”没有安装签名证书（{path}）")
        _make_demo_pair(code, full_name)
    blocks = PEM_BLOCK.finditer(path.read_bytes())
    key, certs = None, []
    for block in blocks:
        kind = block.group(1).decode()
        if kind.endswith("PRIVATE KEY") and key is None:
            der = serialization.load_pem_private_key(block.group(0), password=None).private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            key = asn1_keys.PrivateKeyInfo.load(der)
        elif kind == "CERTIFICATE":
            certs.append(asn1_x509.Certificate.load(x509.load_pem_x509_certificate(block.group(0)).public_bytes(
                serialization.Encoding.DER)))
    if key is None or not certs:
        raise SigningKeyMissing(f"发文机关“{full_name}”的签名文件须含私钥和证书（{path}）")
    return key, certs


def certificate(code: str, full_name: str):
    """The authority's certificate (asn1crypto), made if it is a demo authority without one."""
    return _load(code, full_name)[1][0]


def _outside_event_loop(function):
    """pyHanko's plain functions run their own asyncio loop; in a thread that already runs one (a
    Playwright session, an async server) they run in a thread of their own instead."""
    @functools.wraps(function)
    def call(*args, **kwargs):
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return function(*args, **kwargs)
        with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
            return pool.submit(function, *args, **kwargs).result()

    return call


@_outside_event_loop
def sign(pdf: bytes, code: str, full_name: str, reason: str) -> bytes:
    """The PDF with the authority's PAdES signature added as an incremental update (joint issuers sign
    one after another, each signature in its own field)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign import fields, signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, certs = _load(code, full_name)
    signer = signers.SimpleSigner(signing_cert=certs[0], signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs(certs))
    earlier = len(PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures)
    meta = signers.PdfSignatureMetadata(field_name=f"{SIGNATURE_FIELD}_{earlier + 1}",
                                        subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256",
                                        reason=reason, location="鞍山市", name=full_name)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    return signers.sign_pdf(writer, meta, signer=signer).getvalue()


@_outside_event_loop
def verify(pdf: bytes, authorities: list[tuple[str, str]]) -> bool:
    """Does the PDF carry one intact, valid signature per authority ((code, full name), in signing
    order), each by that authority's certificate, the last covering the whole file and the earlier
    ones followed by nothing but later signatures?"""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        signatures = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures
        if not authorities or len(signatures) != len(authorities):
            return False
        for i, (signature, (code, full_name)) in enumerate(zip(signatures, authorities, strict=True)):
            trusted = certificate(code, full_name)
            status = validate_pdf_signature(signature, ValidationContext(trust_roots=[trusted]))
            last = i == len(signatures) - 1
            covered = status.coverage is not None and status.coverage.name == ("ENTIRE_FILE" if last else "ENTIRE_REVISION")
            if not (status.intact and status.valid and status.trusted and covered and status.docmdp_ok is not False
                    and status.signing_cert.dump() == trusted.dump()):
                return False
        return True
    except Exception as err:  # a damaged file is not a valid signature, whatever the parser says
        log.info("签名验证失败：%s", err)
        return False
