"""``manage.py create_token USER --name N [--expires-days D]``: print a new personal access
token for USER (shown once; only its hash is stored)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from initiatives.rules.exceptions import ValidationFailed
from initiatives.tokens.services import token_create


class Command(BaseCommand):
    help = "Create a personal access token for the REST API and print it (shown once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", required=True, help="What the token is for.")
        parser.add_argument("--expires-days", type=int, default=None, help="Days until expiry.")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User.objects.get(**{User.USERNAME_FIELD: options["username"]})
        except User.DoesNotExist:
            raise CommandError(f"No user {options['username']!r}.") from None
        try:
            _, token = token_create(
                user=user, name=options["name"], expires_in_days=options["expires_days"]
            )
        except ValidationFailed as error:
            raise CommandError(f"{error.message} {error.fields}") from None
        self.stdout.write(token)
