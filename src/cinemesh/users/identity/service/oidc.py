"""Social login: OpenID Connect authorization code flow with PKCE, state and nonce (Authlib).

`start` sends the browser to the provider and hands it an encrypted, short-lived cookie holding
the state, nonce and PKCE verifier (nothing to store server-side, and the callback only works
in the browser that started it). `finish` exchanges the code, verifies the ID token, and signs
the user in: a known identity signs in its account; a verified email equal to an account's
email links to that account; a new verified email creates an account; an unverified one is
refused, since it would let anyone claim someone else's address.
"""

from __future__ import annotations

import json
import re
import secrets
import time
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from authlib.deprecate import AuthlibDeprecationWarning
from authlib.oauth2.rfc6749.errors import OAuth2Error

from cinemesh.platform.crypto import DecryptionError, SecretBox
from cinemesh.platform.db import Database
from cinemesh.platform.ids import new_id_str
from cinemesh.users.identity.domain import (
    AccountInactive,
    OidcEmailMissing,
    OidcEmailUnverified,
    OidcFailed,
    OidcProviderUnknown,
    OidcUnavailable,
)
from cinemesh.users.identity.service.accounts import TokenPair, UsersService, now
from cinemesh.users.identity.store import OidcIdentityRow, UserStore
from cinemesh.users.settings import OidcProviderSettings

with warnings.catch_warnings():
    # Authlib nudges towards its `httpx2` fork; the platform pins httpx, which Authlib still supports.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

STATE_COOKIE = "cinemesh_oidc"
STATE_TTL_SECONDS = 600
# Asymmetric algorithms only: "none" and HMAC (keyed with the client secret) are refused.
_ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]
_FAILED = "Sign-in with the identity provider failed"


def _failure(detail: str) -> OidcFailed:
    return OidcFailed(f"{_FAILED}: {detail}.")


@dataclass(frozen=True)
class LoginStart:
    authorization_url: str
    cookie: str


@dataclass(frozen=True)
class Identity:
    subject: str
    email: str
    email_verified: bool
    name: str | None


class OidcLogin:
    def __init__(
        self,
        *,
        users: UsersService,
        database: Database,
        providers: dict[str, OidcProviderSettings],
        public_url: str,
        state_box: SecretBox,
        success_redirect: str | None = None,
        default_country: str = "US",
        timeout_seconds: float = 10.0,
    ) -> None:
        self.success_redirect = success_redirect
        self.users = users
        self.database = database
        self.providers = providers
        self.public_url = public_url.rstrip("/")
        self.state_box = state_box
        self.default_country = default_country
        self.timeout = timeout_seconds
        self._metadata: dict[str, dict[str, Any]] = {}

    def _provider(self, name: str) -> OidcProviderSettings:
        provider = self.providers.get(name)
        if provider is None:
            raise OidcProviderUnknown(f"No identity provider named {name!r}.")
        return provider

    def redirect_uri(self, name: str) -> str:
        return f"{self.public_url}/api/v1/auth/oidc/{name}/callback"

    def _client(self, name: str, provider: OidcProviderSettings) -> AsyncOAuth2Client:
        return AsyncOAuth2Client(
            client_id=provider.client_id,
            client_secret=provider.client_secret.get_secret_value() if provider.client_secret else None,
            scope=provider.scope,
            redirect_uri=self.redirect_uri(name),
            code_challenge_method="S256",
            timeout=self.timeout,
        )

    async def _discover(self, provider: OidcProviderSettings) -> dict[str, Any]:
        if provider.issuer not in self._metadata:
            url = provider.issuer.rstrip("/") + "/.well-known/openid-configuration"
            try:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.get(url)
                    response.raise_for_status()
            except httpx.HTTPError as exc:
                raise OidcUnavailable("The identity provider is unreachable.") from exc
            self._metadata[provider.issuer] = response.json()
        return self._metadata[provider.issuer]

    async def start(self, name: str) -> LoginStart:
        provider = self._provider(name)
        metadata = await self._discover(provider)
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        async with self._client(name, provider) as client:
            url, _ = client.create_authorization_url(
                metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
            )
        payload = {
            "p": name,
            "s": state,
            "n": nonce,
            "v": verifier,
            "exp": int(time.time()) + STATE_TTL_SECONDS,
        }
        cookie = self.state_box.encrypt(json.dumps(payload).encode()).hex()
        return LoginStart(authorization_url=url, cookie=cookie)

    def _pending(self, name: str, state: str, cookie: str | None) -> dict[str, Any]:
        try:
            pending: dict[str, Any] = json.loads(self.state_box.decrypt(bytes.fromhex(cookie or "")))
        except (ValueError, DecryptionError) as exc:
            raise _failure("the sign-in was not started in this browser or has expired") from exc
        if (
            pending["p"] != name
            or not secrets.compare_digest(pending["s"], state)
            or pending["exp"] < time.time()
        ):
            raise _failure("the sign-in state does not match or has expired")
        return pending

    async def finish(self, name: str, *, code: str, state: str, cookie: str | None) -> TokenPair:
        provider = self._provider(name)
        pending = self._pending(name, state, cookie)
        metadata = await self._discover(provider)
        async with self._client(name, provider) as client:
            try:
                token = await client.fetch_token(
                    metadata["token_endpoint"], code=code, code_verifier=pending["v"]
                )
            except (OAuth2Error, httpx.HTTPError) as exc:
                raise _failure("the authorization code was refused") from exc
            identity = await self._identity(client, provider, metadata, token, nonce=pending["n"])
        return await self._sign_in(name, identity)

    async def _identity(
        self,
        client: AsyncOAuth2Client,
        provider: OidcProviderSettings,
        metadata: dict[str, Any],
        token: dict[str, Any],
        *,
        nonce: str,
    ) -> Identity:
        claims = await self._verify_id_token(provider, metadata, str(token.get("id_token", "")), nonce=nonce)
        if "email" not in claims and metadata.get("userinfo_endpoint"):
            # Providers that keep ID tokens small give the email at the userinfo endpoint.
            response = await client.get(metadata["userinfo_endpoint"])
            if response.status_code != 200:
                raise _failure("the provider did not answer who the user is")
            userinfo = response.json()
            if userinfo.get("sub") != claims["sub"]:
                raise _failure("userinfo belongs to another subject")
            claims = {**userinfo, **claims}
        email = claims.get("email")
        if not isinstance(email, str) or "@" not in email:
            raise OidcEmailMissing("The identity provider shared no email address.")
        return Identity(
            subject=str(claims["sub"]),
            email=email.lower(),
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name") if isinstance(claims.get("name"), str) else None,
        )

    async def _verify_id_token(
        self, provider: OidcProviderSettings, metadata: dict[str, Any], id_token: str, *, nonce: str
    ) -> dict[str, Any]:
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as http:
                response = await http.get(metadata["jwks_uri"])
                response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
            key = key_set[jwt.get_unverified_header(id_token)["kid"]]
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=_ID_TOKEN_ALGORITHMS,
                audience=provider.client_id,
                issuer=metadata["issuer"],
                options={"require": ["exp", "iat", "sub", "nonce"]},
            )
        except (jwt.PyJWTError, KeyError, httpx.HTTPError) as exc:
            raise _failure("the ID token could not be verified") from exc
        if not secrets.compare_digest(str(claims["nonce"]), nonce):
            raise _failure("the ID token was not issued for this sign-in")
        return claims

    async def _sign_in(self, provider: str, identity: Identity) -> TokenPair:
        async with self.database.session() as session:
            store = UserStore(session)
            linked = await store.oidc_identity(provider, identity.subject)
            existing = None if linked else await store.by_email(identity.email)
        if linked is None and not identity.email_verified:
            raise OidcEmailUnverified(
                "The identity provider has not verified this email address; verify it there first."
            )
        user_id = linked.user_id if linked else existing.id if existing else await self._new_account(identity)
        current = now()
        async with self.database.transaction() as session:
            store = UserStore(session)
            if linked is None:
                session.add(
                    OidcIdentityRow(
                        provider=provider,
                        subject=identity.subject,
                        user_id=user_id,
                        email=identity.email,
                        linked_at=current,
                    )
                )
            user = await store.record_login_success(user_id, now=current)
            if user is None or not user.to_account().can_log_in():
                raise AccountInactive()
            if user.email == identity.email and not user.email_verified:
                user.email_verified, user.email_verified_at = True, current
            return self.users.issue_pair(session=session, user=user, family_id=new_id_str())

    async def _new_account(self, identity: Identity) -> str:
        base = re.sub(r"[^a-zA-Z0-9_-]", "", identity.email.split("@")[0])[:20] or "viewer"
        account = await self.users.register(
            email=identity.email,
            username=f"{base}_{secrets.token_hex(3)}",
            password=None,
            country=self.default_country,
            email_verified=True,
        )
        return account.user_id
