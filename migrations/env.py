"""Alembic's environment for the ledger.

Where to migrate, in order: a connection handed over by `podwarden.adapters.sql.migrate`
(`config.attributes["connection"]`), a URL in `config.attributes["url"]` or in the
config's `sqlalchemy.url`, and otherwise `PODWARDEN_DATABASE_URL` through the settings.
SQLite gets batch mode (it cannot ALTER most things) and, through the ledger's engine,
transactional DDL: a migration that fails halfway leaves the database as it was.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from podwarden.adapters.sql.engine import make_engine
from podwarden.adapters.sql.models import Base


def _url() -> str:
    config = context.config
    url = config.attributes.get("url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    from podwarden.settings import load_settings

    return load_settings().database_url


def _run_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    url = _url()
    context.configure(
        url=url, target_metadata=Base.metadata, literal_binds=True,
        dialect_opts={"paramstyle": "named"}, render_as_batch=url.startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), sqlite_foreign_keys=False)
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()
