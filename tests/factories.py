"""Small builders of real rows for tests (no mocks: they go to the test database)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlmodel import Session

from copass_app import clock
from copass_app.models import (
    Beneficiary,
    Guide,
    GuideItem,
    GuideStatus,
    GuideStatusHistory,
    GuideType,
    Operator,
    Provider,
    Role,
    utcnow,
)
from copass_app.services.access import Actor
from copass_app.services.auth import actor_for_user
from copass_app.services.demo import full_cnpj
from copass_app.services.users import add_user
from copass_app.text import fold

PASSWORD = "senha-forte-123"


class Factory:
    def __init__(self, db: Session) -> None:
        self.db = db
        self._counter = 0
        self.operator = Operator(registro_ans="345678", name="Copass Saúde", cnpj=full_cnpj("123456780001"))
        db.add(self.operator)
        db.flush()

    def _next(self) -> int:
        self._counter += 1
        return self._counter

    def provider(self, code: str | None = None, name: str | None = None) -> Provider:
        n = self._next()
        provider = Provider(operator_id=self.operator.id, code=code or f"9{n:05d}", name=name or f"Prestador {n}",
                            document=full_cnpj(f"{n:08d}0001"), cnes=f"{n:07d}", kind="Clínica")
        self.db.add(provider)
        self.db.flush()
        return provider

    def user(self, provider: Provider | None = None, role: Role = Role.PROVIDER, login: str | None = None):
        login = login or f"usuario{self._next()}"
        user = add_user(self.db, login, f"Usuário {login}", PASSWORD, role,
                        provider_code=provider.code if provider else None)
        self.db.commit()
        return user

    def actor(self, provider: Provider | None = None, role: Role = Role.PROVIDER) -> Actor:
        return actor_for_user(self.db, self.user(provider, role))

    def beneficiary(self, name: str = "João da Conceição") -> Beneficiary:
        n = self._next()
        beneficiary = Beneficiary(operator_id=self.operator.id, card_number=f"0345678{n:09d}", name=name,
                                  name_search=fold(name), birth_date=date(1980, 1, 1))
        self.db.add(beneficiary)
        self.db.flush()
        return beneficiary

    def guide(
        self,
        provider: Provider,
        *,
        beneficiary: Beneficiary | None = None,
        status: GuideStatus = GuideStatus.AUTORIZADO,
        guide_type: GuideType = GuideType.SP_SADT,
        requested_on: date | None = None,
        performed_on: date | None = None,
        items: list[tuple[str, str, str, Decimal, Decimal]] | None = None,
    ) -> Guide:
        n = self._next()
        requested_on = requested_on or clock.today() - timedelta(days=10)
        authorized = status in (GuideStatus.AUTORIZADO, GuideStatus.AUTORIZADO_PARCIALMENTE)
        items = items or [("22", "40301630", "Hemograma com contagem de plaquetas", Decimal("1"), Decimal("25.50"))]
        guide = Guide(
            provider_id=provider.id,
            beneficiary_id=(beneficiary or self.beneficiary()).id,
            guide_type=guide_type,
            provider_guide_number=f"{provider.code}{n:08d}",
            operator_guide_number=f"345678{n:010d}",
            authorization_password=f"{n:08d}" if authorized else "",
            status=status,
            requested_on=requested_on,
            authorized_on=requested_on if authorized else None,
            performed_on=performed_on if performed_on else (requested_on + timedelta(days=1) if authorized else None),
            valid_until=requested_on + timedelta(days=60) if authorized else None,
            total_value=sum((qty * unit for *_, qty, unit in items), Decimal("0")),
        )
        self.db.add(guide)
        self.db.flush()
        for table, code, description, qty, unit in items:
            self.db.add(GuideItem(guide_id=guide.id, table_code=table, code=code, description=description,
                                  authorized_qty=qty, performed_qty=qty if authorized else Decimal(0), unit_value=unit))
        self.db.add(GuideStatusHistory(guide_id=guide.id, status=status, changed_at=utcnow(), note=""))
        self.db.commit()
        return guide

    # --- billing helpers (appended) ---------------------------------------------------------------

    def bulk_guides(
        self,
        provider: Provider,
        count: int,
        *,
        items_per_guide: int = 1,
        unit_value: Decimal = Decimal("10.00"),
        quantity: Decimal = Decimal("1"),
        guide_type: GuideType = GuideType.SP_SADT,
        requested_on: date | None = None,
        performed_on: date | None = None,
        beneficiary: Beneficiary | None = None,
    ) -> list[int]:
        """Many authorized guides with many items, inserted in bulk (for splitting, money and timing checks)."""
        from sqlalchemy import insert

        requested_on = requested_on or clock.today() - timedelta(days=10)
        performed_on = performed_on or requested_on + timedelta(days=1)
        beneficiary = beneficiary or self.beneficiary()
        guides = []
        for _ in range(count):
            n = self._next()
            guides.append(Guide(
                provider_id=provider.id, beneficiary_id=beneficiary.id, guide_type=guide_type,
                provider_guide_number=f"{provider.code}{n:08d}", operator_guide_number=f"345678{n:010d}",
                authorization_password=f"{n:08d}", status=GuideStatus.AUTORIZADO, requested_on=requested_on,
                authorized_on=requested_on, performed_on=performed_on, valid_until=requested_on + timedelta(days=60),
                total_value=quantity * unit_value * items_per_guide))
        self.db.add_all(guides)
        self.db.flush()
        self.db.execute(insert(GuideItem), [
            {"guide_id": guide.id, "table_code": "22", "code": f"4030{i % 10000:04d}", "description": f"Exame {i}",
             "authorized_qty": quantity, "performed_qty": quantity, "unit_value": unit_value}
            for guide in guides
            for i in range(items_per_guide)
        ])
        self.db.commit()
        return [guide.id for guide in guides]

    def catalog_item(self, table_code: str, code: str, name: str, price: Decimal, unit: str = "UN"):
        from copass_app.models import CatalogItem

        item = CatalogItem(table_code=table_code, code=code, name=name, name_search=fold(name), unit=unit,
                           price=price)
        self.db.add(item)
        self.db.commit()
        return item

    def batch(self, provider: Provider, created_by: int, *, lot_number: str | None = None,
              guide_type: GuideType = GuideType.SP_SADT):
        """A bare received batch (no guides), e.g. to hold a BilledItem inserted by a test."""
        from copass_app.models import Batch, BatchOrigin, BatchStatus

        n = self._next()
        batch = Batch(provider_id=provider.id, lot_number=lot_number or f"X{n}", protocol_number=f"TESTE{n:010d}",
                      origin=BatchOrigin.XML, guide_type=guide_type, competence=clock.today().strftime("%Y-%m"),
                      status=BatchStatus.RECEBIDO, created_by=created_by)
        self.db.add(batch)
        self.db.commit()
        return batch
