"""The Python client's flow against a real server, through the generated code
(accountd_api) and its thin layer (accountd_client): register, verify by the mailed link,
2FA on and a login with it, sessions listed and one revoked, a personal access token made
and used, user search, the admin listing. Run by tests/suites/clients with ACCOUNTD_URL,
ACCOUNTD_BIN, ACCOUNTD_DATA_DIR and MAIL_DIR set; exits non-zero on the first failure."""

import base64
import hashlib
import hmac
import os
import re
import struct
import subprocess
import sys
import time
from pathlib import Path

from accountd_api.api.admin import list_users
from accountd_api.api.email import verify_email
from accountd_api.api.me import get_me
from accountd_api.api.profiles import search
from accountd_api.api.sessions import list_sessions, revoke_session
from accountd_api.api.tag2fa import enable, setup
from accountd_api.api.tokens import create_token
from accountd_api.models import (
    CreateTokenRequest,
    CreateTokenRequestScopesItem,
    EnableTwoFactorRequest,
    RegisterRequest,
    TokenRequest,
    TwoFactorSetupRequest,
)
from accountd_client import Accountd, AccountdError

URL = os.environ["ACCOUNTD_URL"]
MAIL_DIR = Path(os.environ["MAIL_DIR"])
PASSWORD = "Sunny-Kettle-42!"
steps = []


def step(name):
    steps.append(name)
    print(f"  python: {name}", flush=True)


def totp(secret_base32, at):
    """RFC 6238 (SHA-1, 6 digits, 30 s), written here, independent of the server."""
    key = base64.b32decode(secret_base32.upper() + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def mailed_token(address, link, deadline=30.0):
    """The token of the newest mail to `address` carrying `{publicUrl}/{link}?token=`."""
    pattern = re.compile(re.escape(link) + r"\?token=([A-Za-z0-9_-]+)")
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        for path in sorted(MAIL_DIR.glob("*.eml"), reverse=True):
            text = path.read_text(errors="replace")
            unfolded = re.sub(r"=\r?\n", "", text).replace("=3D", "=")
            if address in text and (match := pattern.search(unfolded)):
                return match.group(1)
        time.sleep(0.2)
    raise AssertionError(f"no mail with {link} to {address} within {deadline} s")


def expect_error(status, code, call):
    try:
        call()
    except AccountdError as error:
        assert (error.status, error.code) == (status, code), f"expected {status} {code}, got {error}"
        return
    raise AssertionError(f"expected {status} {code}, the call succeeded")


def main():
    suffix = f"{os.getpid()}{int(time.time()) % 100000}"
    username = f"py{suffix}"
    email = f"{username}@example.com"
    accountd = Accountd(URL)

    auth = accountd.register(RegisterRequest(email=email, username=username, password=PASSWORD))
    assert auth.user.username == username and accountd.token and accountd.token.startswith("ses_")
    first_session_token = accountd.token
    step("registered")

    verified = accountd.call(verify_email.sync_detailed, body=TokenRequest(token=mailed_token(email, "/verify-email")))
    assert verified.email_verified is True
    assert accountd.call(get_me.sync_detailed).email_verified is True
    step("verified by the mailed link")

    secret = accountd.call(setup.sync_detailed, body=TwoFactorSetupRequest(password=PASSWORD)).secret
    now = time.time()
    enabled = accountd.call(
        enable.sync_detailed, body=EnableTwoFactorRequest(code=totp(secret, now), password=PASSWORD)
    )
    assert enabled.enabled is True and len(enabled.recovery_codes) == 10
    step("2FA enabled")

    result = accountd.login(username, PASSWORD)
    assert result.kind == "mfa_required" and result.mfa_token, result
    expect_error(
        401,
        "2fa:invalid_code",
        lambda: accountd.login_second_factor(
            result.mfa_token, code="000000" if totp(secret, now) != "000000" else "111111"
        ),
    )
    # The enabling code was spent; the next step's code (within the ±1 step window) is fresh.
    second = accountd.login_second_factor(result.mfa_token, code=totp(secret, now + 30))
    assert second.user.username == username and accountd.token != first_session_token
    step("logged in with 2FA")

    sessions = accountd.call(list_sessions.sync_detailed).items
    assert len(sessions) == 2, sessions
    current = [s for s in sessions if s.current]
    other = [s for s in sessions if not s.current]
    assert len(current) == 1 and len(other) == 1
    accountd.call(revoke_session.sync_detailed, id=other[0].id)
    remaining = accountd.call(list_sessions.sync_detailed).items
    assert [s.id for s in remaining] == [current[0].id], remaining
    expect_error(
        401, "auth:unauthenticated", lambda: Accountd(URL, token=first_session_token).call(get_me.sync_detailed)
    )
    step("sessions listed, one revoked")

    created = accountd.call(create_token.sync_detailed, body=CreateTokenRequest(name="ci", scopes=[CreateTokenRequestScopesItem.USERREAD]))
    assert created.token.startswith("pat_")
    with_pat = Accountd(URL, token=created.token)
    assert with_pat.call(get_me.sync_detailed).username == username
    expect_error(403, "auth:session_required", lambda: with_pat.call(list_sessions.sync_detailed))
    step("personal access token created and used")

    found = Accountd(URL).call(search.sync_detailed, query=username[:6], limit=100).items
    assert username in [profile.username for profile in found], found
    step("users searched")

    expect_error(403, "auth:forbidden", lambda: accountd.call(list_users.sync_detailed, query=username))
    subprocess.run([os.environ["ACCOUNTD_BIN"], "user", "promote", username], check=True, capture_output=True)
    listed = accountd.call(list_users.sync_detailed, query=username)
    assert [user.username for user in listed.items] == [username] and listed.total == 1, listed
    assert listed.items[0].role == "admin"
    step("admin listing after `accountd user promote`")

    browser = Accountd(URL, session="cookie")
    cookie_user = f"pc{suffix}"
    browser.register(RegisterRequest(email=f"{cookie_user}@example.com", username=cookie_user, password=PASSWORD))
    assert browser.token is None, "a cookie session keeps no token"
    assert browser.call(get_me.sync_detailed).username == cookie_user
    made = browser.call(create_token.sync_detailed, body=CreateTokenRequest(name="web", scopes=[CreateTokenRequestScopesItem.USERREAD]))
    assert made.token.startswith("pat_")
    step("cookie session: the cookie authenticates, writes pass the origin check")

    accountd.logout()
    expect_error(
        401, "auth:unauthenticated", lambda: Accountd(URL, token=second.session.token).call(get_me.sync_detailed)
    )
    step("logged out")
    print(f"python client: {len(steps)} passed, 0 failed")


if __name__ == "__main__":
    try:
        main()
    except (AssertionError, AccountdError) as failure:
        print(f"python client: FAILED after {steps[-1:] or ['start']}: {failure!r}", file=sys.stderr)
        print(f"python client: {len(steps)} passed, 1 failed")
        sys.exit(1)
