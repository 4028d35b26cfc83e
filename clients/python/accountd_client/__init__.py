"""The accountd client: the generated ``accountd_api`` (openapi-python-client, from the
OpenAPI document) plus the few things a generator does badly: keeping a bearer or cookie
session, the two-step 2FA login, server-sent event streams with ``Last-Event-ID`` resume,
and the multipart avatar upload.

    from accountd_client import Accountd
    from accountd_api.api.sessions import list_sessions

    accountd = Accountd("https://accounts.example.com")
    result = accountd.login("jane", "Sunny-Kettle-42")
    sessions = accountd.call(list_sessions.sync_detailed)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Literal, TypeVar

import httpx

from accountd_api import AuthenticatedClient, Client
from accountd_api.api.auth import login as login_api
from accountd_api.api.auth import login_second_step
from accountd_api.api.auth import logout as logout_api
from accountd_api.api.registration import register as register_api
from accountd_api.models import (
    AuthResponse,
    AvatarUrl,
    ErrorBody,
    LoginRequest,
    LoginSecondStepWithCode,
    LoginSecondStepWithRecoveryCode,
    MfaRequired,
    RegisterRequest,
)
from accountd_api.types import Response

__all__ = ["Accountd", "AccountdError", "LoginResult", "StreamEvent", "unwrap"]

T = TypeVar("T")


class AccountdError(Exception):
    """An error answer of the API: the contract's error body with its HTTP status."""

    def __init__(self, status: int, code: str, message: str, fields: dict[str, str] | None = None):
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields or {}


def unwrap(response: Response[Any]) -> Any:
    """The parsed body of a successful answer (``None`` for ``204``); raises
    ``AccountdError`` for an error answer."""
    if HTTPStatus.OK <= response.status_code < HTTPStatus.MULTIPLE_CHOICES and not isinstance(
        response.parsed, ErrorBody
    ):
        return response.parsed
    parsed = response.parsed
    if not isinstance(parsed, ErrorBody):
        # A status the document does not list for the operation still carries the error body.
        parsed = _error_body_of(response.content)
    if isinstance(parsed, ErrorBody):
        fields = parsed.fields.to_dict() if parsed.fields else None
        raise AccountdError(int(response.status_code), parsed.code, parsed.message, fields)
    raise AccountdError(int(response.status_code), "unknown", response.content.decode(errors="replace")[:200])


@dataclass
class LoginResult:
    """The answer of ``POST /v1/auth/login``: signed in, or a second factor is needed."""

    kind: Literal["signed_in", "mfa_required"]
    auth: AuthResponse | None = None
    mfa_token: str | None = None
    methods: list[str] | None = None


@dataclass
class StreamEvent:
    """One event of a server-sent event stream; ``id`` resumes it as ``Last-Event-ID``."""

    event: str
    data: str
    id: str | None = None


class Accountd:
    """A client that keeps its session.

    ``session="bearer"`` (the default) keeps the session token of a login and sends it as
    ``Authorization: Bearer``; ``session="cookie"`` lets the server's ``accountd_session``
    cookie carry it (and sends ``Origin``, which cookie-authenticated writes need).
    ``token`` starts with a session or a personal access token (``pat_…``).
    """

    def __init__(
        self,
        base_url: str,
        *,
        session: Literal["bearer", "cookie"] = "bearer",
        token: str | None = None,
        timeout: float = 30.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.mode = session
        self.timeout = httpx.Timeout(timeout)
        self._token = token
        self._anonymous = self._new_anonymous()
        self._authenticated: AuthenticatedClient | None = None

    def _new_anonymous(self) -> Client:
        headers = {"Origin": self.base_url} if self.mode == "cookie" else {}
        return Client(base_url=self.base_url, headers=headers, timeout=self.timeout, raise_on_unexpected_status=False)

    @property
    def token(self) -> str | None:
        return self._token

    def set_token(self, token: str | None) -> None:
        """Sends this token (a session or a PAT) from now on; ``None`` stops sending one."""
        self._token = token
        self._authenticated = None

    @property
    def api(self) -> Client | AuthenticatedClient:
        """The generated client to pass as ``client=`` to any ``accountd_api.api`` function."""
        if self._token is None:
            return self._anonymous
        if self._authenticated is None:
            self._authenticated = AuthenticatedClient(
                base_url=self.base_url, token=self._token, timeout=self.timeout, raise_on_unexpected_status=False
            )
        return self._authenticated

    def call(self, operation: Callable[..., Response[T]], /, **kwargs: Any) -> Any:
        """Runs a generated ``sync_detailed`` function with this client; returns the parsed
        body or raises ``AccountdError``."""
        return unwrap(operation(client=self.api, **kwargs))

    def _keep(self, answer: AuthResponse) -> AuthResponse:
        if self.mode == "bearer":
            self.set_token(answer.session.token)
        return answer

    def register(self, body: RegisterRequest) -> AuthResponse:
        """Registers and keeps the new session."""
        return self._keep(self.call(register_api.sync_detailed, body=body))

    def login(self, identifier: str, password: str) -> LoginResult:
        """The password step; on success without 2FA the session is kept."""
        answer = self.call(login_api.sync_detailed, body=LoginRequest(identifier=identifier, password=password))
        if isinstance(answer, MfaRequired):
            return LoginResult(kind="mfa_required", mfa_token=answer.mfa_token, methods=list(answer.methods))
        return LoginResult(kind="signed_in", auth=self._keep(answer))

    def login_second_factor(
        self, mfa_token: str, *, code: str | None = None, recovery_code: str | None = None
    ) -> AuthResponse:
        """The second step with a TOTP code or a recovery code; the session is kept."""
        if (code is None) == (recovery_code is None):
            raise ValueError("give exactly one of code and recovery_code")
        if code is not None:
            body = LoginSecondStepWithCode(mfa_token=mfa_token, code=code)
        else:
            body = LoginSecondStepWithRecoveryCode(mfa_token=mfa_token, recovery_code=recovery_code)
        return self._keep(self.call(login_second_step.sync_detailed, body=body))

    def logout(self) -> None:
        """Revokes the current session and forgets it."""
        self.call(logout_api.sync_detailed)
        self.set_token(None)

    def _httpx(self) -> httpx.Client:
        return self.api.get_httpx_client()

    def _auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token}"} if self._token else {}

    def upload_avatar(
        self, image: bytes, filename: str = "avatar", content_type: str = "application/octet-stream"
    ) -> AvatarUrl:
        """Sets the avatar from image bytes (``multipart/form-data``, field ``file``)."""
        response = self._httpx().post(
            "/v1/me/avatar", files={"file": (filename, image, content_type)}, headers=self._auth_headers()
        )
        parsed: Any = AvatarUrl.from_dict(response.json()) if response.is_success else _error_body(response)
        return unwrap(
            Response(
                status_code=HTTPStatus(response.status_code),
                content=response.content,
                headers=response.headers,
                parsed=parsed,
            )
        )

    def stream(
        self, path: str, *, last_event_id: str | None = None, read_timeout: float | None = None
    ) -> Iterator[StreamEvent]:
        """Reads a ``text/event-stream`` route (``/v1/me/activity/stream``,
        ``/v1/action-logs/stream``, ``/v1/me/export/{id}/events``); resumes after
        ``last_event_id``. Keep-alive comments are skipped."""
        headers = {"Accept": "text/event-stream", **self._auth_headers()}
        if last_event_id is not None:
            headers["Last-Event-ID"] = last_event_id
        timeout = httpx.Timeout(self.timeout.connect, read=read_timeout)
        with self._httpx().stream("GET", path, headers=headers, timeout=timeout) as response:
            if not response.is_success:
                response.read()
                unwrap(
                    Response(
                        status_code=HTTPStatus(response.status_code),
                        content=response.content,
                        headers=response.headers,
                        parsed=_error_body(response),
                    )
                )
            yield from _parse_events(response.iter_lines())


def _error_body(response: httpx.Response) -> ErrorBody | None:
    return _error_body_of(response.content)


def _error_body_of(content: bytes) -> ErrorBody | None:
    try:
        return ErrorBody.from_dict(json.loads(content))
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def _parse_events(lines: Iterator[str]) -> Iterator[StreamEvent]:
    event, data, last_id = "message", [], None
    for line in lines:
        if line == "":
            if data:
                yield StreamEvent(event=event, data="\n".join(data), id=last_id)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if field == "data":
            data.append(value)
        elif field == "event":
            event = value
        elif field == "id":
            last_id = value
