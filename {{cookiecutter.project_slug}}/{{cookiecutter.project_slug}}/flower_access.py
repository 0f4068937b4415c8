"""Who may open Flower, and where it listens: basic auth from the environment.

Flower reads its FLOWER_* variables, then runs ../flowerconfig.py from the directory it starts
in, which asks ``allowed_address()`` and stops Flower with one line when it would be open
where it must not be. Left to itself, Flower listens on every interface with no auth.
"""

from collections.abc import Mapping, Sequence

from .environment import chosen_environment

# Only development may run Flower without auth, and only where no one else can reach it.
AUTH_OPTIONAL_IN = ("development",)
LOOPBACK_ADDRESSES = ("127.0.0.1", "localhost", "::1")
DEFAULT_ADDRESS = "127.0.0.1"
MIN_PASSWORD_LENGTH = 16
MIN_PASSWORD_DISTINCT_CHARACTERS = 5
PLACEHOLDER_PASSWORD = "change-me-to-16-or-more-random-characters"  # .env.example
HOW_TO_SET = (
    "set FLOWER_BASIC_AUTH=user:password in the environment (a password from "
    '`python -c "import secrets; print(secrets.token_urlsafe(24))"`)'
)


class FlowerAccessError(Exception):
    """Flower would be open where it must not be, or its credentials are unusable."""


def credential_problems(credentials: Sequence[str]) -> list[str]:
    """What is wrong with each ``user:password`` entry; a message never quotes a password.

    Flower splits FLOWER_BASIC_AUTH at commas, one entry per user, so a comma in a password
    shows up here as an entry without a colon.
    """
    problems = []
    for number, entry in enumerate(credentials, start=1):
        where = f"entry {number}" if len(credentials) > 1 else "the value"
        user, colon, password = entry.partition(":")
        if not colon or not user.strip():
            problems.append(f"{where} is not user:password (commas separate users)")
        elif password == PLACEHOLDER_PASSWORD:
            problems.append(f"{where} has the placeholder password from .env.example")
        elif len(password) < MIN_PASSWORD_LENGTH:
            problems.append(
                f"{where} has a password of {len(password)} characters, "
                f"fewer than {MIN_PASSWORD_LENGTH}"
            )
        elif len(set(password)) < MIN_PASSWORD_DISTINCT_CHARACTERS:
            problems.append(
                f"{where} has a password of {len(set(password))} distinct characters, "
                f"fewer than {MIN_PASSWORD_DISTINCT_CHARACTERS}"
            )
    return problems


def allowed_address(environ: Mapping[str, str], basic_auth: Sequence[str], address: str) -> str:
    """The address Flower may listen on; raise FlowerAccessError when it must not start.

    ``basic_auth`` and ``address`` are Flower's options as its variables and command line
    set them (an empty address is Flower's default: every interface).
    """
    environment, _ = chosen_environment(dict(environ))
    address = address or DEFAULT_ADDRESS
    if basic_auth:
        if problems := credential_problems(basic_auth):
            raise FlowerAccessError(f"FLOWER_BASIC_AUTH: {'; '.join(problems)}")
    elif environment not in AUTH_OPTIONAL_IN:
        raise FlowerAccessError(f"Flower needs basic auth under {environment}: {HOW_TO_SET}")
    elif address not in LOOPBACK_ADDRESSES:
        raise FlowerAccessError(
            f"Flower without basic auth listens on 127.0.0.1 only, not {address}: {HOW_TO_SET}"
        )
    return address
