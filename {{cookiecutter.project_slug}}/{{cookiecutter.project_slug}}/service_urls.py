"""Service URLs (database, broker, results): checked without showing them, shown without passwords.

A password with an unencoded ``/``, ``#``, ``?`` or ``@`` cuts a URL in the wrong place: the
rest of the password becomes the database name or a "port", which then appears in logs and
in tracebacks. So settings refuse such a URL with a message that names the variable and
never its value, and whatever prints a URL or a settings table masks every password in it.
"""

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import dj_database_url

MASK = "**"
ENCODE_HINT = "percent-encode the password's special characters: / as %2F, # as %23, ? as %3F"
# Where a URL starts: a scheme, then "://".
_URL_START = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
# Where the URL that starts at a match ends: whitespace, or a separator before another URL
# (kombu takes "url1;url2" as fail-over brokers), or a quote.
_URL_END = re.compile(r"""\s|['"]|[;,](?=[A-Za-z][A-Za-z0-9+.-]*://)""")


def url_problem(name: str, value: str, *, several: bool = False) -> str | None:
    """What is wrong with the URL in variable ``name``, without quoting any of it; or None.

    ``several``: the value may list URLs separated by ``;`` (Celery's fail-over brokers).
    """
    for url in value.split(";") if several else [value]:
        try:
            parts = urlsplit(url.strip())
            _port = parts.port  # a "port" that is not a number raises ValueError
        except ValueError:
            return f"{name} is not a valid URL; {ENCODE_HINT}"
        if not parts.scheme or "://" not in url:
            return f"{name} is not a URL (scheme://user:password@host:port/...)"
        if "@" in parts.path + parts.query + parts.fragment:
            return f"{name} has '@' after its host; {ENCODE_HINT}"
    return None


def database_url_problem(value: str) -> str | None:
    """What is wrong with DATABASE_URL, or None; dj-database-url's errors name no secret."""
    if problem := url_problem("DATABASE_URL", value):
        return problem
    try:
        dj_database_url.parse(value)
    except ValueError as error:
        return f"DATABASE_URL: {error}"
    return None


def service_url_problems(environ: Mapping[str, str]) -> list[str]:
    """Problems with the service URLs set in ``environ``; unset ones are not checked here."""
    database = environ.get("DATABASE_URL")
    broker = environ.get("CELERY_BROKER_URL")
    # A result backend may also be a name without a URL ("django-db").
    results = environ.get("CELERY_RESULT_BACKEND", "")
    problems = [
        database and database_url_problem(database),
        broker and url_problem("CELERY_BROKER_URL", broker, several=True),
        "://" in results and url_problem("CELERY_RESULT_BACKEND", results),
    ]
    return [problem for problem in problems if problem]


def mask_passwords(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``**``.

    Everything up to the last ``@`` of a URL counts as its credentials, so an unencoded
    ``/``, ``#`` or ``@`` in a password is masked too.
    """
    pieces = []
    position = 0
    for start in _URL_START.finditer(text):
        if start.start() < position:
            continue  # inside the URL just masked
        end_match = _URL_END.search(text, start.end())
        end = end_match.start() if end_match else len(text)
        rest = text[start.end() : end]
        credentials, at, host = rest.rpartition("@")
        user, colon, _password = credentials.partition(":")
        if at and colon:
            rest = f"{user}:{MASK}@{host}"
        pieces.append(text[position : start.start()] + start.group() + rest)
        position = end
    pieces.append(text[position:])
    return "".join(pieces)


def masked(value):
    """A copy of a settings value with every password in a URL masked, however deep."""
    if isinstance(value, str):
        return mask_passwords(value)
    if isinstance(value, Mapping):
        return {key: masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [masked(item) for item in value]
        return items if isinstance(value, list) else tuple(items)
    return value
