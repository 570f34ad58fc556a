"""Organisations, users, tokens and the audit trail."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, insert, select, update

from corridor.adapters import orm
from corridor.adapters.repositories.base import SqlRepo, row_dict
from corridor.domain.access import Principal, Role


class SqlAccounts(SqlRepo):
    def add_organisation(self, name: str) -> int:
        row = self.conn.execute(
            insert(orm.organisations)
            .values(name=name, created_at=self.now())
            .returning(orm.organisations.c.id)
        )
        return int(row.scalar_one())

    def organisation_by_name(self, name: str) -> int | None:
        found = self.conn.execute(
            select(orm.organisations.c.id).where(orm.organisations.c.name == name)
        ).scalar()
        return None if found is None else int(found)

    def organisation_exists(self, organisation_id: int) -> bool:
        q = select(orm.organisations.c.id).where(orm.organisations.c.id == organisation_id)
        return self.conn.execute(q).first() is not None

    def list_organisations(self) -> list[dict[str, Any]]:
        rows = self.conn.execute(select(orm.organisations).order_by(orm.organisations.c.id))
        return [dict(r._mapping) for r in rows]

    def add_user(self, organisation_id: int, name: str, role: Role, vehicle: str | None) -> int:
        row = self.conn.execute(
            insert(orm.users)
            .values(
                organisation_id=organisation_id,
                name=name,
                role=role.value,
                vehicle=vehicle,
                created_at=self.now(),
                disabled=False,
            )
            .returning(orm.users.c.id)
        )
        return int(row.scalar_one())

    def user(self, user_id: int) -> dict[str, Any] | None:
        row = self.conn.execute(select(orm.users).where(orm.users.c.id == user_id)).first()
        return None if row is None else dict(row._mapping)

    def list_users(self) -> list[dict[str, Any]]:
        return [
            dict(r._mapping) for r in self.conn.execute(select(orm.users).order_by(orm.users.c.id))
        ]

    def count_admins(self) -> int:
        q = select(func.count()).select_from(orm.users).where(orm.users.c.role == Role.ADMIN.value)
        return int(self.conn.execute(q).scalar_one())

    def add_token(self, user_id: int, token_hash: str, label: str) -> int:
        row = self.conn.execute(
            insert(orm.tokens)
            .values(user_id=user_id, token_hash=token_hash, label=label, created_at=self.now())
            .returning(orm.tokens.c.id)
        )
        return int(row.scalar_one())

    def revoke_token(self, token_id: int) -> bool:
        res = self.conn.execute(
            update(orm.tokens)
            .where(orm.tokens.c.id == token_id, orm.tokens.c.revoked_at.is_(None))
            .values(revoked_at=self.now())
        )
        return bool(res.rowcount)

    def principal(self, token_hash: str) -> Principal | None:
        q = (
            select(orm.users)
            .join(orm.tokens, orm.tokens.c.user_id == orm.users.c.id)
            .where(
                orm.tokens.c.token_hash == token_hash,
                orm.tokens.c.revoked_at.is_(None),
                orm.users.c.disabled.is_(False),
            )
        )
        row = self.conn.execute(q).first()
        if row is None:
            return None
        return Principal(
            user_id=row.id,
            name=row.name,
            role=Role(row.role),
            organisation_id=row.organisation_id,
            vehicle=row.vehicle,
        )


class SqlAudit(SqlRepo):
    def add(self, who: Principal | None, action: str, subject: str, detail: dict[str, Any]) -> None:
        self.conn.execute(
            insert(orm.audit).values(
                at=self.now(),
                user_id=who.user_id if who else None,
                role=who.role.value if who else "system",
                action=action,
                subject=subject,
                detail=detail,
            )
        )

    def list(self, after: int = 0, limit: int = 100) -> list[dict[str, Any]]:
        q = select(orm.audit).where(orm.audit.c.id > after).order_by(orm.audit.c.id).limit(limit)
        return [row_dict(r) for r in self.conn.execute(q)]
