#!/usr/bin/env python3
"""A SAML 2.0 identity provider for TenantrySAML's tests: signs with signxml, not with our code.

    python3 scripts/test-peers/saml_idp.py keys DIR
        writes DIR/{idp,other,ec}.{key,crt,der}: two RSA-2048 keys with self-signed certificates
        and one P-256 key with its certificate (the `.der` file is the certificate in DER).

    python3 scripts/test-peers/saml_idp.py response  < JSON  > JSON
        builds a samlp:Response, signs it as asked and prints {"response": BASE64}. The input
        names the parameters (see RESPONSE_DEFAULTS) and at most one `attack` (see ATTACKS).

    python3 scripts/test-peers/saml_idp.py metadata  < JSON  > XML
        IdP metadata: entity_id, sso_redirect (omitted when null), sso_post, the signing
        certificate from `key_dir` / `signing_key` (omitted when `signing_key` is null), and an
        encryption-only certificate (`encryption_key`) that must not be taken for signing.

    python3 scripts/test-peers/saml_idp.py inspect-request  < JSON  > JSON
        {"url": ...}: decodes an HTTP-Redirect AuthnRequest (base64, raw inflate) and prints
        its ID, Destination, AssertionConsumerServiceURL, ProtocolBinding, Issuer, Version,
        IssueInstant, NameIDPolicy Format and the RelayState.

    python3 scripts/test-peers/saml_idp.py inspect-sp-metadata  < XML  > JSON
        reads SP metadata as an IdP would and prints what it found.

Needs `signxml`, `lxml` and `cryptography` (scripts/test installs them).
"""
import base64
import copy
import datetime
import json
import os
import sys
import urllib.parse
import zlib

try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID
    from lxml import etree
    from signxml import XMLSigner
except ImportError as error:  # the Swift tests show this line when a module is missing
    print(f"saml_idp.py needs signxml, lxml and cryptography: {error}", file=sys.stderr)
    sys.exit(3)

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
EXC_C14N_WITH_COMMENTS = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"
REDIRECT = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
POST = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
SUCCESS = "urn:oasis:names:tc:SAML:2.0:status:Success"
EMAIL_FORMAT = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"

RESPONSE_DEFAULTS = {
    "key_dir": None,  # required: where `keys` wrote the keys
    "signing_key": "idp",  # idp | other | ec
    "sign": "assertion",  # assertion | response | both | none
    "signature_algorithm": "rsa-sha256",  # a signxml fragment: rsa-sha256, ecdsa-sha256, rsa-sha1 ...
    "digest_algorithm": "sha256",
    "c14n_algorithm": EXC_C14N,
    "now": None,  # required: seconds since 1970 (the IdP's clock)
    "response_id": "_response-1",
    "assertion_id": "_assertion-1",
    "issuer": "https://idp.example.test/metadata",
    "response_issuer": "same",  # same (as issuer) | omit | any other value
    "destination": "https://sp.example.test/saml/acs",  # null omits the attribute
    "recipient": "https://sp.example.test/saml/acs",
    "audience": "https://sp.example.test/saml/metadata",
    "in_response_to": "_request-1",  # null omits it (IdP-initiated)
    "subject_in_response_to": "same",  # same (as in_response_to) | null (omitted) | any other value
    "name_id": "ada@acme.example",
    "name_id_format": EMAIL_FORMAT,
    "session_index": "_session-1",
    "attributes": {},  # name -> [values]
    "status": SUCCESS,
    "not_before": -60,  # Conditions NotBefore, seconds from now
    "not_on_or_after": 300,  # Conditions NotOnOrAfter, seconds from now
    "subject_not_on_or_after": 300,  # SubjectConfirmationData NotOnOrAfter, seconds from now
    "attack": None,
}

ATTACKS = {
    "wrapped-sibling",  # an unsigned assertion (another NameID) before the signed one
    "wrapped-in-extensions",  # signed assertion moved into samlp:Extensions, unsigned one in its place
    "duplicate-id",  # an unsigned assertion with the signed one's ID beside it
    "comment-in-name-id",  # a comment inserted into NameID after signing (exc-c14n drops it)
    "tampered-name-id",  # NameID changed after signing
    "doctype",  # a DOCTYPE with an internal entity before the root element
    "second-signature",  # a second (copied) signature inside the signed assertion
    "key-info-other-certificate",  # KeyInfo names the `other` certificate (KeyInfo is not signed)
    "encrypted-assertion",  # an EncryptedAssertion instead of the assertion
}


class PermissiveSigner(XMLSigner):
    """signxml refuses SHA-1 unless told otherwise; the weak-algorithm tests need it."""

    def check_deprecated_methods(self):
        pass


def _name(common_name):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def make_keys(directory):
    os.makedirs(directory, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    for name, key in (
        ("idp", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("other", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
        ("ec", ec.generate_private_key(ec.SECP256R1())),
    ):
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(f"Tenantry test IdP ({name})"))
            .issuer_name(_name(f"Tenantry test IdP ({name})"))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256())
        )
        with open(os.path.join(directory, f"{name}.key"), "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        with open(os.path.join(directory, f"{name}.crt"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        with open(os.path.join(directory, f"{name}.der"), "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.DER))


def _instant(seconds):
    moment = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _q(namespace, tag):
    return f"{{{namespace}}}{tag}"


def _sub(parent, namespace, tag, text=None, **attributes):
    element = etree.SubElement(parent, _q(namespace, tag), **{k: v for k, v in attributes.items() if v is not None})
    if text is not None:
        element.text = text
    return element


def _placeholder(parent, index):
    placeholder = etree.Element(_q(DS, "Signature"), Id="placeholder", nsmap={"ds": DS})
    parent.insert(index, placeholder)


def _sign(element, element_id, p):
    key_dir = p["key_dir"]
    with open(os.path.join(key_dir, f"{p['signing_key']}.key"), "rb") as f:
        key = f.read()
    with open(os.path.join(key_dir, f"{p['signing_key']}.crt"), "rb") as f:
        cert = f.read().decode()
    signer = PermissiveSigner(
        signature_algorithm=p["signature_algorithm"],
        digest_algorithm=p["digest_algorithm"],
        c14n_algorithm=p["c14n_algorithm"],
    )
    signer.namespaces = {"ds": DS}
    return signer.sign(element, key=key, cert=cert, reference_uri=element_id, id_attribute="ID")


def build_assertion(p):
    now = p["now"]
    assertion = etree.Element(
        _q(SAML, "Assertion"), nsmap={"saml": SAML}, ID=p["assertion_id"], Version="2.0", IssueInstant=_instant(now)
    )
    _sub(assertion, SAML, "Issuer", p["issuer"])
    subject = _sub(assertion, SAML, "Subject")
    _sub(subject, SAML, "NameID", p["name_id"], Format=p["name_id_format"])
    confirmation = _sub(subject, SAML, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    _sub(
        confirmation,
        SAML,
        "SubjectConfirmationData",
        NotOnOrAfter=_instant(now + p["subject_not_on_or_after"]),
        Recipient=p["recipient"],
        InResponseTo=p["in_response_to"] if p["subject_in_response_to"] == "same" else p["subject_in_response_to"],
    )
    conditions = _sub(
        assertion,
        SAML,
        "Conditions",
        NotBefore=_instant(now + p["not_before"]),
        NotOnOrAfter=_instant(now + p["not_on_or_after"]),
    )
    restriction = _sub(conditions, SAML, "AudienceRestriction")
    _sub(restriction, SAML, "Audience", p["audience"])
    authn = _sub(
        assertion,
        SAML,
        "AuthnStatement",
        AuthnInstant=_instant(now),
        SessionIndex=p["session_index"],
    )
    context = _sub(authn, SAML, "AuthnContext")
    _sub(context, SAML, "AuthnContextClassRef", "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
    if p["attributes"]:
        statement = _sub(assertion, SAML, "AttributeStatement")
        for name, values in p["attributes"].items():
            attribute = _sub(
                statement, SAML, "Attribute", Name=name, NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:basic"
            )
            for value in values:
                _sub(attribute, SAML, "AttributeValue", value)
    return assertion


def build_response(p):
    now = p["now"]
    attack = p["attack"]
    if attack is not None and attack not in ATTACKS:
        raise SystemExit(f"unknown attack {attack}")
    assertion = build_assertion(p)
    if p["sign"] in ("assertion", "both"):
        _placeholder(assertion, 1)  # right after Issuer, as the schema wants
        assertion = _sign(assertion, p["assertion_id"], p)
        if attack == "second-signature":
            signature = assertion.find(_q(DS, "Signature"))
            assertion.find(_q(SAML, "Subject")).append(copy.deepcopy(signature))
    if attack == "comment-in-name-id":
        # Signed as "admin@victim.example.evil.example"; with the comment, a reader that takes
        # the first text node sees "admin@victim.example". Exclusive c14n drops comments, so the
        # digest still matches.
        name_id = assertion.find(f"{_q(SAML, 'Subject')}/{_q(SAML, 'NameID')}")
        full = name_id.text
        split = full.index(".evil.example")
        name_id.text = full[:split]
        comment = etree.Comment("")
        comment.tail = full[split:]
        name_id.append(comment)
    if attack == "key-info-other-certificate":
        with open(os.path.join(p["key_dir"], "other.der"), "rb") as f:
            other = base64.b64encode(f.read()).decode()
        for element in assertion.iter(_q(DS, "X509Certificate")):
            element.text = other
    if attack == "encrypted-assertion":
        encrypted = etree.Element(_q(SAML, "EncryptedAssertion"), nsmap={"saml": SAML})
        _sub(encrypted, "http://www.w3.org/2001/04/xmlenc#", "EncryptedData", "c2VjcmV0")
        assertion = encrypted
    if attack == "tampered-name-id":
        assertion.find(f"{_q(SAML, 'Subject')}/{_q(SAML, 'NameID')}").text = "admin@victim.example"

    response = etree.Element(
        _q(SAMLP, "Response"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID=p["response_id"],
        Version="2.0",
        IssueInstant=_instant(now),
        **{k: v for k, v in (("Destination", p["destination"]), ("InResponseTo", p["in_response_to"])) if v is not None},
    )
    if p["response_issuer"] != "omit":
        _sub(response, SAML, "Issuer", p["issuer"] if p["response_issuer"] == "same" else p["response_issuer"])

    evil = None
    if attack in ("wrapped-sibling", "wrapped-in-extensions", "duplicate-id"):
        evil = copy.deepcopy(assertion)
        for signature in evil.findall(_q(DS, "Signature")):
            evil.remove(signature)
        evil.find(f"{_q(SAML, 'Subject')}/{_q(SAML, 'NameID')}").text = "admin@victim.example"
        evil.set("ID", p["assertion_id"] if attack == "duplicate-id" else "_evil")

    if attack == "wrapped-in-extensions":
        extensions = _sub(response, SAMLP, "Extensions")
        extensions.append(assertion)
    status = _sub(response, SAMLP, "Status")
    _sub(status, SAMLP, "StatusCode", Value=p["status"])
    if attack in ("wrapped-sibling", "duplicate-id", "wrapped-in-extensions"):
        response.append(evil)
    if attack != "wrapped-in-extensions":
        response.append(assertion)

    if p["sign"] in ("response", "both"):
        index = 1 if p["response_issuer"] != "omit" else 0
        _placeholder(response, index)
        response = _sign(response, p["response_id"], p)

    xml = etree.tostring(response, xml_declaration=True, encoding="UTF-8")
    if attack == "doctype":
        declaration, rest = xml.split(b"?>", 1)
        xml = declaration + b'?>\n<!DOCTYPE samlp:Response [<!ENTITY who "admin@victim.example">]>' + rest
    return base64.b64encode(xml).decode()


def build_metadata(p):
    descriptor = etree.Element(_q(MD, "EntityDescriptor"), nsmap={"md": MD, "ds": DS}, entityID=p["entity_id"])
    idp = _sub(
        descriptor, MD, "IDPSSODescriptor", protocolSupportEnumeration=SAMLP, WantAuthnRequestsSigned="false"
    )

    def key_descriptor(name, use):
        with open(os.path.join(p["key_dir"], f"{name}.der"), "rb") as f:
            der = f.read()
        descriptor_element = _sub(idp, MD, "KeyDescriptor", use=use)
        data = _sub(_sub(descriptor_element, DS, "KeyInfo"), DS, "X509Data")
        encoded = base64.b64encode(der).decode()
        # wrapped at 64 columns, as many IdPs write it
        _sub(data, DS, "X509Certificate", "\n" + "\n".join(encoded[i : i + 64] for i in range(0, len(encoded), 64)) + "\n")

    if p.get("encryption_key"):
        key_descriptor(p["encryption_key"], "encryption")
    if p.get("signing_key"):
        key_descriptor(p["signing_key"], p.get("signing_use", "signing"))
    _sub(idp, MD, "NameIDFormat", EMAIL_FORMAT)
    if p.get("sso_post"):
        _sub(idp, MD, "SingleSignOnService", Binding=POST, Location=p["sso_post"])
    if p.get("sso_redirect"):
        _sub(idp, MD, "SingleSignOnService", Binding=REDIRECT, Location=p["sso_redirect"])
    return etree.tostring(descriptor, xml_declaration=True, encoding="UTF-8").decode()


def inspect_request(p):
    url = urllib.parse.urlsplit(p["url"])
    query = urllib.parse.parse_qs(url.query, strict_parsing=True)
    raw = base64.b64decode(query["SAMLRequest"][0], validate=True)
    xml = zlib.decompress(raw, -15)  # raw DEFLATE: a zlib header would make this fail
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    request = etree.fromstring(xml, parser)
    policy = request.find(_q(SAMLP, "NameIDPolicy"))
    return {
        "endpoint": f"{url.scheme}://{url.netloc}{url.path}",
        "parameters": sorted(query.keys()),
        "tag": request.tag,
        "id": request.get("ID"),
        "version": request.get("Version"),
        "issue_instant": request.get("IssueInstant"),
        "destination": request.get("Destination"),
        "acs": request.get("AssertionConsumerServiceURL"),
        "protocol_binding": request.get("ProtocolBinding"),
        "issuer": request.findtext(_q(SAML, "Issuer")),
        "name_id_format": policy.get("Format") if policy is not None else None,
        "relay_state": query.get("RelayState", [None])[0],
    }


def inspect_sp_metadata(xml):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    descriptor = etree.fromstring(xml.encode(), parser)
    sp = descriptor.find(_q(MD, "SPSSODescriptor"))
    acs = sp.findall(_q(MD, "AssertionConsumerService"))
    return {
        "tag": descriptor.tag,
        "entity_id": descriptor.get("entityID"),
        "authn_requests_signed": sp.get("AuthnRequestsSigned"),
        "want_assertions_signed": sp.get("WantAssertionsSigned"),
        "protocols": sp.get("protocolSupportEnumeration"),
        "name_id_formats": [e.text for e in sp.findall(_q(MD, "NameIDFormat"))],
        "acs": [{"binding": e.get("Binding"), "location": e.get("Location"), "index": e.get("index")} for e in acs],
    }


def main():
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "keys" and len(sys.argv) == 3:
        make_keys(sys.argv[2])
    elif command == "response":
        parameters = dict(RESPONSE_DEFAULTS)
        parameters.update(json.load(sys.stdin))
        json.dump({"response": build_response(parameters)}, sys.stdout)
    elif command == "metadata":
        sys.stdout.write(build_metadata(json.load(sys.stdin)))
    elif command == "inspect-request":
        json.dump(inspect_request(json.load(sys.stdin)), sys.stdout)
    elif command == "inspect-sp-metadata":
        json.dump(inspect_sp_metadata(sys.stdin.read()), sys.stdout)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
