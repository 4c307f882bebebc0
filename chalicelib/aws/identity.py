"""The Cognito user pool: the team's credentials (the services' IdentityProvider port).

The pool's username is the member's email. Passwords are checked by Cognito (ADMIN_USER_PASSWORD_AUTH,
a server-side flow: no secret or SRP in the browser), invitations are suppressed here and sent by the app
through SES like every other email (locally, to the outbox). Cognito's answers become the services'
vocabulary: SignInRefused for every wrong credential, a locked or disabled account alike.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..domain.accounts import SignInResult
from ..domain.errors import Conflict, SignInRefused, ValidationError
from ..settings import get_settings
from .clients import client

# Cognito says these for a wrong password, an unknown user, a disabled user, too many attempts, an expired
# session: the caller learns only "no".
REFUSALS = {"NotAuthorizedException", "UserNotFoundException", "PasswordResetRequiredException",
            "UserNotConfirmedException", "CodeMismatchException", "ExpiredCodeException",
            "TooManyRequestsException", "LimitExceededException"}


@dataclass(frozen=True)
class Pool:
    user_pool_id: str
    client_id: str

    @property
    def issuer(self) -> str:
        return f"https://cognito-idp.{get_settings().region}.amazonaws.com/{self.user_pool_id}"


@lru_cache(maxsize=1)
def pool() -> Pool:
    """The stage's pool and app client: named by the settings in AWS (infra/ passes their ids), found by
    name locally (the emulator makes new ids when it creates them)."""
    settings = get_settings()
    if settings.user_pool_id and settings.user_pool_client_id:
        return Pool(settings.user_pool_id, settings.user_pool_client_id)
    cognito = client("cognito-idp")
    pools = [p for page in cognito.get_paginator("list_user_pools").paginate(MaxResults=60)
             for p in page["UserPools"] if p["Name"] == settings.user_pool_name]
    if not pools:
        raise RuntimeError(f"no Cognito user pool named {settings.user_pool_name}")
    pool_id = pools[0]["Id"]
    clients = [c for c in cognito.list_user_pool_clients(UserPoolId=pool_id, MaxResults=60)["UserPoolClients"]
               if c["ClientName"] == settings.user_pool_client_name]
    if not clients:
        raise RuntimeError(f"no app client named {settings.user_pool_client_name} in {pool_id}")
    return Pool(pool_id, clients[0]["ClientId"])


def _code(error: Exception) -> str:
    return getattr(error, "response", {}).get("Error", {}).get("Code", "")


class CognitoIdentity:
    def __init__(self) -> None:
        self.cognito = client("cognito-idp")

    def create_user(self, email: str, name: str, temporary_password: str) -> None:
        try:
            self.cognito.admin_create_user(
                UserPoolId=pool().user_pool_id, Username=email, TemporaryPassword=temporary_password,
                MessageAction="SUPPRESS", DesiredDeliveryMediums=["EMAIL"],
                UserAttributes=[{"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"},
                                {"Name": "name", "Value": name}])
        except self.cognito.exceptions.UsernameExistsException:
            raise Conflict(f"{email} already has an account", {"email": "already has an account"},
                           code="user_exists") from None
        except self.cognito.exceptions.InvalidPasswordException as error:
            raise ValidationError.field("temporary_password", _reason(error)) from None

    def set_password(self, email: str, password: str) -> None:
        """A permanent password (the local stack's admin: the printed password works at once)."""
        self.cognito.admin_set_user_password(UserPoolId=pool().user_pool_id, Username=email, Password=password,
                                             Permanent=True)

    def sign_in(self, email: str, password: str) -> SignInResult:
        return self._auth(lambda: self.cognito.admin_initiate_auth(
            UserPoolId=pool().user_pool_id, ClientId=pool().client_id, AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": password}))

    def new_password(self, email: str, session: str, new_password: str) -> SignInResult:
        return self._auth(lambda: self.cognito.admin_respond_to_auth_challenge(
            UserPoolId=pool().user_pool_id, ClientId=pool().client_id, ChallengeName="NEW_PASSWORD_REQUIRED",
            Session=session, ChallengeResponses={"USERNAME": email, "NEW_PASSWORD": new_password}))

    def set_enabled(self, email: str, enabled: bool) -> None:
        if enabled:
            self.cognito.admin_enable_user(UserPoolId=pool().user_pool_id, Username=email)
        else:
            self.cognito.admin_disable_user(UserPoolId=pool().user_pool_id, Username=email)
            self.sign_out(email)

    def sign_out(self, email: str) -> None:
        """Ends the member's refresh tokens everywhere (their access tokens are refused by the app: services/auth)."""
        try:
            self.cognito.admin_user_global_sign_out(UserPoolId=pool().user_pool_id, Username=email)
        except self.cognito.exceptions.UserNotFoundException:
            pass

    def delete_user(self, email: str) -> None:
        try:
            self.cognito.admin_delete_user(UserPoolId=pool().user_pool_id, Username=email)
        except self.cognito.exceptions.UserNotFoundException:
            pass  # deleted before: the member's record goes on its own

    def _auth(self, call) -> SignInResult:
        try:
            answer = call()
        except self.cognito.exceptions.InvalidPasswordException as error:
            raise ValidationError.field("new_password", _reason(error)) from None
        except self.cognito.exceptions.ClientError as error:
            if _code(error) in REFUSALS:
                raise SignInRefused() from None
            raise
        if answer.get("ChallengeName"):
            if answer["ChallengeName"] != "NEW_PASSWORD_REQUIRED":
                raise SignInRefused()  # a challenge this app does not offer (MFA is not configured)
            return SignInResult(challenge="new_password_required", session=answer["Session"])
        tokens = answer["AuthenticationResult"]
        return SignInResult(access_token=tokens["AccessToken"], expires_in=int(tokens.get("ExpiresIn", 3600)))


def _reason(error: Exception) -> str:
    message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
    return message.split(":", 1)[-1].strip()[:200] or "does not meet the password policy"
