#!/usr/bin/env python3
"""The SDK stand-in on the command line: bind a passkey to a binding link, and sign in
with it, against bi-local. What the browser stand-in does with WebCrypto, this does with
a P-256 key kept in a file, so that a sign-in can be driven with curl.

  passkey.py bind LINK            bind a new passkey (prints the credential id)
  passkey.py authenticate URL     answer a /bi-authenticate URL (prints the redirectUrl)

The auth host comes from --auth, else BEYOND_IDENTITY_AUTH_BASE_URL, else the link.
Keys are kept in --store (default .dev/passkeys.json).
"""
import argparse
import base64
import json
import os
import pathlib
import sys
import urllib.parse
import urllib.request

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(key, message: str) -> str:
    """ECDSA P-256 / SHA-256 in WebCrypto's r||s form."""
    r, s = decode_dss_signature(key.sign(message.encode(), ec.ECDSA(hashes.SHA256())))
    return b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


def post(url: str, body: dict) -> dict:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers={"content-type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)
    except urllib.error.HTTPError as error:
        sys.exit(f"bi-local refused: {error.code} {error.read().decode()}")


def query(url: str, name: str) -> str:
    values = urllib.parse.parse_qs(urllib.parse.urlparse(url).query).get(name)
    if not values:
        sys.exit(f"the URL has no {name} parameter")
    return values[0]


def auth_base(args, url: str) -> str:
    if args.auth:
        return args.auth.rstrip("/")
    if os.environ.get("BEYOND_IDENTITY_AUTH_BASE_URL"):
        return os.environ["BEYOND_IDENTITY_AUTH_BASE_URL"].rstrip("/")
    parts = urllib.parse.urlparse(url)
    return f"{parts.scheme}://{parts.netloc}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--auth", help="bi-local's auth host, e.g. http://127.0.0.1:8021")
    parser.add_argument("--store", default=".dev/passkeys.json")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("bind").add_argument("link")
    sub.add_parser("authenticate").add_argument("url")
    args = parser.parse_args()
    store = pathlib.Path(args.store)
    keys = json.loads(store.read_text()) if store.exists() else {}

    if args.command == "bind":
        key = ec.generate_private_key(ec.SECP256R1())
        numbers = key.public_key().public_numbers()
        jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")), "y": b64url(numbers.y.to_bytes(32, "big"))}
        answer = post(f"{auth_base(args, args.link)}/_emulator/bind", {
            "url": args.link,
            "public_key": jwk,
            "signature": sign(key, "bi-local-bind:" + query(args.link, "token")),
        })
        credential = answer["passkey"]["id"]
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        keys[credential] = pem.decode()
        store.parent.mkdir(parents=True, exist_ok=True)
        store.write_text(json.dumps(keys, indent=2))
        store.chmod(0o600)
        print(credential)
    else:
        if not keys:
            sys.exit(f"no passkey in {store}: bind one first")
        credential, pem = list(keys.items())[-1]
        key = serialization.load_pem_private_key(pem.encode(), password=None)
        answer = post(f"{auth_base(args, args.url)}/_emulator/authenticate", {
            "url": args.url,
            "credential_id": credential,
            "signature": sign(key, "bi-local-authenticate:" + query(args.url, "request")),
        })
        print(answer["redirectUrl"])


if __name__ == "__main__":
    main()
