"""The SQL repositories, grouped by subject: SQLAlchemy Core over one connection that the unit
of work owns; they never commit. The same code runs on SQLite and PostgreSQL; the few
dialect differences (upsert, locks) are here and nowhere else."""
