"""SQL sources: one SELECT against the organization's own database (PostgreSQL, MySQL/MariaDB, SQLite, SQL
Server when its driver is installed), read-only and time-limited on the database's side, streamed in
batches so a million rows never sit in memory at once.

The connection URL holds a password: it is only ever given to SQLAlchemy's ``create_engine``. Messages are
built from the driver's own words with every credential scrubbed out, never from the URL.
"""

from __future__ import annotations

import datetime
import re
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlparse
from django.conf import settings
from django.utils.translation import gettext as _
from sqlalchemy import create_engine, exc, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.pool import NullPool
from sqlparse import tokens as T

from tandem.integrations.sources import Mapper, SourceError, timeout_clean

CONNECT_TIMEOUT = 10
# Friendly forms people paste, mapped to the drivers Tandem installs.
SCHEMES = {
    "postgres": "postgresql+psycopg",
    "postgresql": "postgresql+psycopg",
    "mysql": "mysql+pymysql",
    "mariadb": "mysql+pymysql",
    "mariadb+pymysql": "mysql+pymysql",
}
BACKENDS = {"postgresql": "PostgreSQL", "mysql": "MySQL/MariaDB", "sqlite": "SQLite", "mssql": "SQL Server"}
DRIVERS = {"pyodbc": "pyodbc", "pymssql": "pymssql", "psycopg2": "psycopg2-binary", "mysqldb": "mysqlclient"}
SECRET_QUERY_KEYS = re.compile(r"pass|pwd|secret|token|key", re.IGNORECASE)
PARAMETERS = {"since"}


def url_clean(raw: object, errors: list[dict[str, str]]) -> str:
    """The URL with its scheme mapped to an installed driver, or an error on ``url``."""
    text_url = str(raw or "").strip()
    if not text_url:
        errors.append({"field": "url", "message": _("Give the database's connection URL.")})
        return ""
    scheme, sep, rest = text_url.partition("://")
    if not sep:
        errors.append({"field": "url", "message": _(example_message())})
        return ""
    text_url = f"{SCHEMES.get(scheme.lower(), scheme.lower())}://{rest}"
    try:
        url = make_url(text_url)
    except exc.ArgumentError:
        errors.append({"field": "url", "message": _(example_message())})
        return ""
    backend = url.get_backend_name()
    if backend not in BACKENDS:
        errors.append({"field": "url", "message": _("Use a PostgreSQL, MySQL/MariaDB, SQLite or SQL Server URL.")})
        return ""
    try:
        url.get_dialect().import_dbapi()
    except (exc.NoSuchModuleError, ImportError):
        driver = DRIVERS.get(url.get_driver_name(), url.get_driver_name() or backend)
        errors.append(
            {
                "field": "url",
                "message": _("%(backend)s needs its driver: pip install %(driver)s")
                % {"backend": BACKENDS[backend], "driver": driver},
            }
        )
        return ""
    if backend == "sqlite" and not sqlite_path_allowed(url, errors):
        return ""
    if backend != "sqlite" and not url.host:
        errors.append({"field": "url", "message": _("The URL names no database server (host).")})
        return ""
    return text_url


def example_message() -> str:
    return _(
        "This is not a database URL: write it like postgresql://user:password@host:5432/database, "
        "mysql://user:password@host:3306/database or sqlite:////path/to/file.sqlite3."
    )


def sqlite_path_allowed(url: URL, errors: list[dict[str, str]]) -> bool:
    """An SQLite source is a file on Tandem's own server: never Tandem's own database or queue, which hold
    every organization's data."""
    if not url.database or url.database == ":memory:":
        errors.append(
            {"field": "url", "message": _("Give the path of the SQLite file: sqlite:////path/to/erp.sqlite3")}
        )
        return False
    path = Path(url.database).expanduser().resolve()
    own = {(Path(settings.DATA_DIR) / "tandem.sqlite3").resolve()}
    if "sqlite" in str(settings.DATABASES["default"]["ENGINE"]):
        own.add(Path(str(settings.DATABASES["default"]["NAME"])).resolve())
    if settings.HUEY.get("filename"):
        own.add(Path(str(settings.HUEY["filename"])).resolve())
    if any(path == p or str(path).startswith(f"{p}-") for p in own):
        errors.append({"field": "url", "message": _("This is Tandem's own database: point to your system's file.")})
        return False
    # Whoever may create a connector must not read any file of the server's: only the folders the admin
    # who installed Tandem named.
    folders = [Path(folder).expanduser().resolve() for folder in settings.CONNECTOR_SQLITE_DIRS]
    if not any(path.is_relative_to(folder) for folder in folders):
        errors.append(
            {
                "field": "url",
                "message": _("SQLite files are read only from %(folders)s (CONNECTOR_SQLITE_DIRS).")
                % {"folders": ", ".join(map(str, folders)) or "—"},
            }
        )
        return False
    return True


def query_clean(raw: object, errors: list[dict[str, str]]) -> str:
    """One SELECT (or WITH … SELECT) statement, its parameters limited to ``:since``; checked here, before
    any connection, so nothing else ever reaches the database."""
    query = str(raw or "").strip()
    if not query:
        errors.append({"field": "query", "message": _("Write the SELECT query that returns the rows.")})
        return ""
    statements = [statement for statement in sqlparse.parse(query) if statement.token_first(skip_cm=True)]
    if len(statements) != 1:
        errors.append(
            {
                "field": "query",
                "message": _("Only a single SELECT query is allowed; this has %(n)s statements.")
                % {"n": len(statements)},
            }
        )
        return ""
    statement = statements[0]
    kind = statement.get_type()
    others = sorted(
        {
            token.normalized
            for token in statement.flatten()
            if (token.ttype in T.Keyword.DML and token.normalized != "SELECT") or token.ttype in T.Keyword.DDL
        }
    )
    if kind != "SELECT" or others:
        what = kind if kind != "SELECT" and kind != "UNKNOWN" else (others[0] if others else _("not a query"))
        errors.append(
            {
                "field": "query",
                "message": _("Only a single SELECT query is allowed, not %(kind)s.") % {"kind": what},
            }
        )
        return ""
    query = str(statement).strip().rstrip(";").strip()
    unknown = sorted(set(text(query)._bindparams) - PARAMETERS)
    if unknown:
        errors.append(
            {
                "field": "query",
                "message": _("The query uses :%(name)s; the only parameter Tandem gives is :since (a date).")
                % {"name": unknown[0]},
            }
        )
        return ""
    return query


def config_clean(
    *, config: dict[str, Any], secrets: dict[str, Any], errors: list[dict[str, str]]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The SQL settings checked: ``secrets.url`` and ``config.query``/``config.timeout``."""
    url = url_clean(secrets.get("url"), errors)
    query = query_clean(config.get("query"), errors)
    timeout = timeout_clean(config, errors)
    return {"query": query, "timeout": timeout}, {"url": url}


def describe(*, secrets: dict[str, Any]) -> dict[str, str]:
    """The URL with its password (and any password-like query parameter) masked."""
    raw = str(secrets.get("url") or "")
    if not raw:
        return {"url": ""}
    try:
        url = make_url(raw)
    except exc.ArgumentError:
        return {"url": "••••"}
    query = {key: ("••••" if SECRET_QUERY_KEYS.search(key) else value) for key, value in url.query.items()}
    shown = url.set(query=query).render_as_string(hide_password=True).replace(":***@", ":••••@")
    return {"url": shown.replace("%E2%80%A2", "•")}


def secret_words(url_text: str) -> list[str]:
    """Every piece of the URL that must never appear in a message: the URL itself and its password."""
    words = [url_text]
    try:
        url = make_url(url_text)
    except exc.ArgumentError:
        return words
    if url.password:
        words.append(str(url.password))
    words.extend(str(value) for key, value in url.query.items() if SECRET_QUERY_KEYS.search(key))
    return [word for word in words if len(word) >= 3]


def scrub(message: str, words: list[str]) -> str:
    for word in sorted(words, key=len, reverse=True):
        message = message.replace(word, "••••")
    return message


class SqlReader:
    """An open read-only transaction on the source database and its query's result, streamed."""

    def __init__(self, connection: Connection, query: str, since: datetime.date, guard: Any) -> None:
        self.guard = guard
        self.connection = connection
        params = {"since": since} if "since" in text(query)._bindparams else {}
        with self.guard():
            self.result = connection.execution_options(stream_results=True, yield_per=10_000).execute(
                text(query), params
            )
        self.columns = [str(column) for column in self.result.keys()]  # noqa: SIM118 - a Result, not a dict
        self.mapper: Mapper | None = None
        self.exhausted = False

    def batches(self, size: int) -> Iterator[list[dict[str, Any]]]:
        while True:
            with self.guard():
                rows = self.result.fetchmany(size)
            if not rows:
                self.exhausted = True
                return
            point = self.mapper.point if self.mapper else None
            assert point is not None
            yield [point(row) for row in rows]


@contextmanager
def open_reader(
    *, config: dict[str, Any], secrets: dict[str, Any], since: datetime.date, default_kpi: int | None
) -> Iterator[SqlReader]:
    """Connect, start a read-only transaction with the statement timeout, run the query; yield the reader;
    roll back and close whatever happens. Every database error comes out as a :class:`SourceError`."""
    url_text = str(secrets.get("url") or "")
    timeout = int(config.get("timeout") or settings.CONNECTOR_TIMEOUT)
    words = secret_words(url_text)
    errors: list[dict[str, str]] = []
    url_text = url_clean(url_text, errors)
    query = query_clean(config.get("query"), errors)
    if errors:
        raise SourceError(errors[0]["field"], errors[0]["message"])
    url = make_url(url_text)
    backend = url.get_backend_name()
    deadline = [0.0]

    @contextmanager
    def guard() -> Iterator[None]:
        deadline[0] = time.monotonic() + timeout
        try:
            yield
        except exc.DBAPIError as error:
            raise SourceError(*translate(error.orig or error, url, timeout, words)) from None
        except exc.SQLAlchemyError as error:
            raise SourceError("query", scrub(str(error).split("\n")[0], words)) from None

    engine = create_engine(url, poolclass=NullPool, **engine_options(url, timeout, deadline))
    try:
        with guard():
            connection = engine.connect()
        reader: SqlReader | None = None
        try:
            with guard():
                start_read_only(connection, backend, timeout)
            reader = SqlReader(connection, query, since, guard)
            reader.mapper = Mapper(reader.columns, default_kpi=default_kpi, field="query")
            yield reader
        finally:
            if backend == "mysql" and reader is not None and not reader.exhausted:
                abandon(connection, reader)
            try:
                connection.rollback()
                connection.close()
            except exc.SQLAlchemyError:
                connection.invalidate()
    finally:
        engine.dispose()


def abandon(connection: Connection, reader: SqlReader) -> None:
    """Stop reading a MySQL result half-way. PyMySQL would read every remaining row first (the protocol has
    no way to stop the server sending), so the connection is dropped instead, its result marked done."""
    unfinished = getattr(getattr(reader.result, "cursor", None), "_result", None)
    if unfinished is not None:
        unfinished.unbuffered_active = False
    connection.invalidate()


def engine_options(url: URL, timeout: int, deadline: list[float]) -> dict[str, Any]:
    backend = url.get_backend_name()
    if backend == "postgresql":
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT}}
    if backend == "mysql":
        # The server stops the statement; the read timeout is the backstop for a server that stops answering.
        return {"connect_args": {"connect_timeout": CONNECT_TIMEOUT, "read_timeout": timeout + 30}}
    if backend == "sqlite":
        path = Path(str(url.database)).expanduser()

        def creator() -> sqlite3.Connection:
            if not path.is_file():
                raise SourceError("url", _("There is no SQLite file at %(path)s.") % {"path": path})
            connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
            # SQLite has no statement timeout: abort from its progress handler once the deadline passes.
            connection.set_progress_handler(lambda: int(time.monotonic() > deadline[0]), 10_000)
            return connection

        return {"creator": creator}
    if backend == "mssql":
        return {"connect_args": {"timeout": CONNECT_TIMEOUT}}
    return {}


def start_read_only(connection: Connection, backend: str, timeout: int) -> None:
    """A read-only transaction whose statements the database itself stops after ``timeout`` seconds."""
    if backend == "postgresql":
        connection.exec_driver_sql("SET TRANSACTION READ ONLY")
        connection.exec_driver_sql(f"SET LOCAL statement_timeout = {int(timeout) * 1000}")
    elif backend == "mysql":
        if connection.dialect.is_mariadb:  # type: ignore[attr-defined]
            connection.exec_driver_sql(f"SET SESSION max_statement_time = {int(timeout)}")
        else:
            connection.exec_driver_sql(f"SET SESSION max_execution_time = {int(timeout) * 1000}")
        connection.exec_driver_sql("SET SESSION TRANSACTION READ ONLY")
        connection.commit()
        connection.exec_driver_sql("START TRANSACTION READ ONLY")
    elif backend == "mssql":
        connection.exec_driver_sql(f"SET LOCK_TIMEOUT {int(timeout) * 1000}")


def translate(error: BaseException, url: URL, timeout: int, words: list[str]) -> tuple[str, str]:
    """The field at fault and a message a person can act on, from a driver's exception."""
    if isinstance(error, SourceError):
        return error.field, error.message
    message = scrub(str(error).strip(), words)
    lowered = message.lower()
    code = error.args[0] if error.args and isinstance(error.args[0], int) else None
    where = f"{url.host}:{url.port or default_port(url)}" if url.host else str(url.database)
    user = url.username or ""
    if (
        "statement timeout" in lowered
        or code in (1969, 3024)
        or lowered == "interrupted"
        or "max_statement_time" in lowered
    ):
        return "timeout", _("The query ran longer than %(n)s s and was stopped.") % {"n": timeout}
    if "connection refused" in lowered or code == 2003 and "refused" in lowered:
        return "url", _("Cannot reach %(where)s: connection refused.") % {"where": where}
    if (
        "could not translate host name" in lowered
        or "failed to resolve host" in lowered
        or "name or service not known" in lowered
        or ("nodename nor servname" in lowered)
        or "getaddrinfo failed" in lowered
        or "temporary failure in name resolution" in lowered
    ):
        return "url", _("Cannot reach %(where)s: no such host.") % {"where": where}
    if code == 2003 or "timeout expired" in lowered or "timed out" in lowered:
        return "url", _("Cannot reach %(where)s: no answer.") % {"where": where}
    if "password authentication failed" in lowered or code == 1045:
        return "url", _("The database refused the user %(user)s: wrong password?") % {"user": user}
    if re.search(r'role ".*" does not exist', lowered):
        return "url", _("The database has no user %(user)s.") % {"user": user}
    if code == 1049 or re.search(r'database ".*" does not exist', lowered):
        return "url", _("The server has no database %(name)s.") % {"name": url.database}
    if "unable to open database file" in lowered:
        return "url", _("Cannot open the SQLite file %(path)s.") % {"path": url.database}
    if "read-only" in lowered or "read only" in lowered or code == 1792:
        return "query", _("The query tried to change data; only reading is allowed: %(error)s") % {
            "error": first_line(message)
        }
    return "query", _("The database refused the query: %(error)s") % {"error": first_line(message)}


def first_line(message: str) -> str:
    line = message.split("\n")[0].strip()
    # pymysql: (1146, "Table 'erp.nope' doesn't exist")
    matched = re.match(r"^\(\d+, ['\"](.*)['\"]\)$", line)
    return (matched.group(1) if matched else line)[:300]


def default_port(url: URL) -> int | str:
    return {"postgresql": 5432, "mysql": 3306, "mssql": 1433}.get(url.get_backend_name(), "")
