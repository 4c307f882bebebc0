"""The team's members: profile, role, status. Credentials are Cognito's (chalicelib/aws/identity.py)."""
from __future__ import annotations

from pynamodb.exceptions import DoesNotExist

from .connection import condition_failed
from .models import UserModel

FIELDS = ("id", "email", "name", "role", "status", "created_at", "updated_at")


def _as_dict(item: UserModel) -> dict:
    return {name: getattr(item, name) for name in FIELDS}


class UserRepository:
    def get(self, user_id: str) -> dict | None:
        try:
            return _as_dict(UserModel.get(user_id, consistent_read=True))
        except DoesNotExist:
            return None

    def by_email(self, email: str) -> dict | None:
        for item in UserModel.by_email.query(email, limit=1):
            return _as_dict(item)
        return None

    def create(self, user: dict) -> bool:
        """False if that id exists (the caller made the email unique already, through Cognito)."""
        try:
            UserModel(**user).save(condition=UserModel.id.does_not_exist())
        except Exception as error:
            if condition_failed(error):
                return False
            raise
        return True

    def save(self, user: dict) -> None:
        UserModel(**user).save(condition=UserModel.id.exists())

    def delete(self, user_id: str) -> None:
        UserModel(user_id).delete()

    def all(self) -> list[dict]:
        """Every member (a team is tens of people: one scan, sorted by the service)."""
        return [_as_dict(item) for item in UserModel.scan()]
