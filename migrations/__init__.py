"""The ledger's Alembic migrations, shipped as a package so an installed Podwarden finds them.

Run them with `podwarden migrate` (or `podwarden.adapters.sql.migrate.upgrade(url)`); no
alembic.ini is needed. For writing a new revision, `migrations/alembic.ini` points the
`alembic` command here:

    PODWARDEN_DATABASE_URL=sqlite:///dev.db alembic -c migrations/alembic.ini upgrade head
    PODWARDEN_DATABASE_URL=sqlite:///dev.db alembic -c migrations/alembic.ini revision --autogenerate -m "..."

then review the generated file by hand (names, server defaults, SQLite batch operations)
before committing it; `tests/migrations` checks that the revisions and the models agree.
"""
