"""Verifies Cognito access tokens: signature against the pool's JWKS (fetched once, kept), issuer, app
client, token use and expiry. PyJWT does the cryptography; this says what Cognito's tokens must hold.

The JWKS comes from the pool's well-known URL (in AWS: cognito-idp.<region>.amazonaws.com; locally: the
emulator, which serves the same path); CRM_COGNITO_JWKS_URL overrides it for tests, as a file:// URL.
"""
from __future__ import annotations

from functools import lru_cache

import jwt

from ..settings import get_settings
from .identity import pool

MAX_TOKEN = 8192
JWKS_LIFESPAN = 3600  # seconds a fetched key set is trusted; a new `kid` fetches it again at once


@lru_cache(maxsize=1)
def _jwks() -> jwt.PyJWKClient:
    settings = get_settings()
    url = settings.cognito_jwks_url
    if not url:
        base = (f"http://127.0.0.1:{settings.aws_port}" if settings.is_local
                else f"https://cognito-idp.{settings.region}.amazonaws.com")
        url = f"{base}/{pool().user_pool_id}/.well-known/jwks.json"
    return jwt.PyJWKClient(url, cache_keys=True, lifespan=JWKS_LIFESPAN, timeout=5)


def verify_access_token(token: str) -> dict | None:
    """The token's claims if Cognito issued it for this app's client and it is still valid; else None."""
    if not token or len(token) > MAX_TOKEN or token.count(".") != 2:
        return None
    try:
        key = _jwks().get_signing_key_from_jwt(token)
        claims = jwt.decode(token, key.key, algorithms=["RS256"], issuer=pool().issuer,
                            options={"require": ["exp", "iat", "iss", "token_use", "client_id", "username"],
                                     "verify_aud": False})  # access tokens name the client in client_id, not aud
    except (jwt.PyJWTError, ValueError, KeyError):
        return None
    if claims.get("token_use") != "access" or claims.get("client_id") != pool().client_id:
        return None
    return claims


def reset() -> None:
    _jwks.cache_clear()
    pool.cache_clear()
