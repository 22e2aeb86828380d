"""What a team relies on when a proxy asks /api/auth/verify about each request, checked
through each real proxy named on the command line (run.sh starts them):

- a signed-in request reaches the app with the user's id, email and name, each exactly
  once, whatever identity headers the client sent itself;
- a signed-out page load is sent to the sign-in, which comes back to the page asked for;
  a signed-out fetch or POST is 401; neither reaches the app;
- a cookie that is no token, or the token of a session that has ended, is signed out.
"""

import argparse
import http.client
import json
import sys
import urllib.parse

parser = argparse.ArgumentParser()
parser.add_argument("--auth-url", required=True)
parser.add_argument("--session-url", required=True)
parser.add_argument("--app", required=True)
parser.add_argument("--token", required=True)
parser.add_argument("--proxy", action="append", required=True, help="NAME=URL")
args = parser.parse_args()


def request(url, method="GET", headers=None, body=None):
    """One request, no redirect followed: (status, headers, body)."""
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    path = parts.path + ("?" + parts.query if parts.query else "")
    connection.request(method, path, body=body, headers=headers or {})
    answer = connection.getresponse()
    data = answer.read()
    connection.close()
    return answer.status, answer.headers, data


def header_text(text):
    """The header encoding of /api/auth/verify: printable ASCII other than `%` as it is
    (a space too, but not at either end), every other byte of the UTF-8 as %XX."""
    data = text.encode()
    out = []
    for i, byte in enumerate(data):
        inner_space = byte == 0x20 and 0 < i < len(data) - 1
        out.append(chr(byte) if (0x21 <= byte <= 0x7E and byte != 0x25) or inner_space else f"%{byte:02X}")
    return "".join(out)


def served():
    return json.loads(request(args.app + "/_served")[2])["served"]


cookie = {"Cookie": f"__Host-session={args.token}"}
status, _, body = request(args.session_url, headers=cookie)
user = json.loads(body)["user"]
assert status == 200 and user["email"] == "forward-auth@example.com", body
page = "/reports/q3?year=2026&view=a%20b"
sign_in = f"{args.auth_url}/api/auth/signin?callbackUrl={urllib.parse.quote(page, safe='')}"
forged = {
    "X-Auth-Request-User": "admin",
    "X-Auth-Request-Email": "admin@example.com",
    "X-Auth-Request-Name": "Admin",
}


def refused(name, proxy, headers, expect_status, expect_location, method="GET"):
    before = served()
    status, answer, _ = request(proxy + page, method=method, headers=headers, body=b"{}" if method == "POST" else None)
    assert status == expect_status, f"{name} {method} {headers}: {status}"
    assert answer.get("Location") == expect_location, f"{name}: {answer.get('Location')}"
    assert served() == before, f"{name}: a refused request reached the app"


for entry in args.proxy:
    name, proxy = entry.split("=", 1)

    # Signed in: the app sees the user, once per header, never the forged values.
    status, _, body = request(proxy + page, headers={**cookie, **forged, "Sec-Fetch-Mode": "navigate"})
    assert status == 200, f"{name}: signed in, {status} {body[:200]}"
    seen = json.loads(body)
    assert seen["path"] == page, f"{name}: {seen['path']}"
    identity = {}
    for header, value in seen["headers"]:
        if header.startswith("x-auth-request-"):
            assert header not in identity, f"{name}: {header} reached the app twice"
            identity[header] = value
    expected = {"x-auth-request-user": header_text(user["id"]), "x-auth-request-email": header_text(user["email"])}
    if user.get("name"):
        expected["x-auth-request-name"] = header_text(user["name"])
    assert identity == expected, f"{name}: {identity} != {expected}"

    # Signed out: a page load goes to the sign-in; the rest is 401; nothing reaches the app.
    for headers in [{}, {"Cookie": "__Host-session=not-a-token"}, forged]:
        refused(name, proxy, {**headers, "Sec-Fetch-Mode": "navigate"}, 302, sign_in)
        refused(name, proxy, headers, 302, sign_in)
        refused(name, proxy, {**headers, "Sec-Fetch-Mode": "cors"}, 401, None)
        refused(name, proxy, {**headers, "Content-Type": "application/json"}, 401, None, method="POST")
    print(f"{name}: signed in reaches the app as {user['email']}; signed out is sent to sign in or refused")

# The session ends: through every proxy, the same cookie is signed out at once.
status, _, _ = request(
    args.session_url.replace("/api/auth/session", "/api/auth/signout"),
    method="POST",
    headers={**cookie, "Origin": args.auth_url, "Content-Type": "application/json"},
    body=b"{}",
)
assert status == 200, status
for entry in args.proxy:
    name, proxy = entry.split("=", 1)
    refused(name, proxy, {**cookie, "Sec-Fetch-Mode": "navigate"}, 302, sign_in)
    print(f"{name}: an ended session is signed out")
sys.exit(0)
