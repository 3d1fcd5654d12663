"""Shared fixtures: people with roles, signed-in clients, token clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from barys.core import i18n_tools


def pytest_configure(config: pytest.Config) -> None:
    i18n_tools.compile_catalogs(only_missing=True)


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    from barys.core.people import add_user

    def make(
        username: str,
        role: str = "observer",
        scopes: list[str] | None = None,
        password: str = "a-long-test-password-1",
    ) -> object:
        return add_user(
            username=username, role=role, scopes=scopes, password=password, actor="test"
        ).user

    return make


@pytest.fixture
def login(make_user: Callable[..., object]) -> Callable[..., Client]:
    def sign_in(username: str, role: str = "observer", scopes: list[str] | None = None) -> Client:
        user = make_user(username, role, scopes)
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        return client

    return sign_in


@pytest.fixture
def token_client(make_user: Callable[..., object]) -> Callable[..., tuple[Client, str]]:
    from barys.core.tokens import issue_token

    def make(
        username: str, role: str = "observer", scopes: list[str] | None = None
    ) -> tuple[Client, str]:
        user = make_user(username, role, scopes)
        issued = issue_token(user=user, name="test")  # type: ignore[arg-type]
        return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}"), issued.plaintext

    return make
