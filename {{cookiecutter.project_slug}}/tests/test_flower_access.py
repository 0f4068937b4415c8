"""Flower's access rules: basic auth outside development, 127.0.0.1 without it."""

import pytest

from {{ cookiecutter.project_slug }}.flower_access import (
    PLACEHOLDER_PASSWORD,
    FlowerAccessError,
    allowed_address,
)

GOOD = ["admin:" + "Xk3-vR9_pLm2QwZ8tY"]
DEPLOYED = ["production", "staging", "testing"]


@pytest.mark.parametrize("environment", DEPLOYED)
def test_without_basic_auth_only_development_starts(environment):
    with pytest.raises(FlowerAccessError, match=f"needs basic auth under {environment}"):
        allowed_address({"DJANGO_ENVIRONMENT": environment}, [], "")
    assert allowed_address({"DJANGO_ENVIRONMENT": "development"}, [], "") == "127.0.0.1"
    assert allowed_address({}, [], "") == "127.0.0.1"  # development is the default


def test_development_without_basic_auth_stays_on_loopback():
    for address in ("127.0.0.1", "localhost", "::1"):
        assert allowed_address({}, [], address) == address
    for address in ("0.0.0.0", "192.168.1.5", "::"):
        with pytest.raises(FlowerAccessError, match=f"127.0.0.1 only, not {address}"):
            allowed_address({}, [], address)


@pytest.mark.parametrize("environment", ["development", *DEPLOYED])
def test_with_basic_auth_it_listens_where_told_and_on_loopback_by_default(environment):
    environ = {"DJANGO_ENVIRONMENT": environment}
    assert allowed_address(environ, GOOD, "") == "127.0.0.1"
    assert allowed_address(environ, GOOD, "0.0.0.0") == "0.0.0.0"
    assert allowed_address(environ, [*GOOD, "ops:" + "a1B2c3D4e5F6g7H8"], "") == "127.0.0.1"


@pytest.mark.parametrize(
    ("credentials", "problem"),
    [
        ([""], "the value is not user:password"),  # FLOWER_BASIC_AUTH set and empty
        (["no-colon-here-at-all-0123"], "the value is not user:password"),
        ([":Xk3-vR9_pLm2QwZ8tY"], "the value is not user:password"),
        (["admin:Sh0rt-pa55"], "a password of 10 characters, fewer than 16"),
        (["admin:"], "a password of 0 characters"),
        (["admin:abababababababababab"], "a password of 2 distinct characters, fewer than 5"),
        ([f"admin:{PLACEHOLDER_PASSWORD}"], "the placeholder password from .env.example"),
        # A comma in a password: Flower splits the value there, one entry per user.
        (["admin:Xk3-vR9_pLm2", "QwZ8tY7uI0oP"], "entry 2 is not user:password"),
    ],
)
@pytest.mark.parametrize("environment", ["development", "production"])
def test_malformed_or_weak_credentials_are_refused_without_quoting_them(
    environment, credentials, problem
):
    with pytest.raises(FlowerAccessError) as error:
        allowed_address({"DJANGO_ENVIRONMENT": environment}, credentials, "127.0.0.1")
    message = str(error.value)
    assert message.startswith("FLOWER_BASIC_AUTH: ") and problem in message
    assert "\n" not in message
    for entry in credentials:
        password = entry.partition(":")[2] or entry
        if password and password != PLACEHOLDER_PASSWORD:
            assert password not in message


def test_every_bad_entry_is_named_at_once():
    with pytest.raises(FlowerAccessError) as error:
        allowed_address({"DJANGO_ENVIRONMENT": "production"}, ["a:short", *GOOD, "b"], "")
    assert "entry 1 has a password of 5 characters" in str(error.value)
    assert "entry 3 is not user:password" in str(error.value)
    assert "entry 2" not in str(error.value)
