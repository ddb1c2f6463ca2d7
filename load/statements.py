"""SQL statements and CPU per load action (`python -m load.statements`): the real page states, driven in this
process as one simulated provider drives them (load/provider.py), on the database of DATABASE_URL.

    createdb -T copass_load_tpl copass_statements
    DATABASE_URL=postgresql+psycopg2://postgres@127.0.0.1:5432/copass_statements python -m load.statements -v

Counted with SQLAlchemy's `before_cursor_execute` event, so the BEGIN, pre-ping and COMMIT of each unit of
work are not in the figures (PostgreSQL receives them too: about three more per action). The CPU is this
process's, handler and database driver together, without Reflex's websocket, lock and state storage.
Rounds are 5.2 s apart, as the load's 5 s interval: the session check is then made again, as in the load.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from datetime import timedelta

import reflex as rx
from sqlalchemy import event

from copass_app import clock
from copass_app.db import get_engine
from copass_app.services import auth as auth_service
from copass_app.services.unit_of_work import perform
from copass_app.state.auth import AuthState
from copass_app.state.billing import BillingState, DraftSelectionState
from copass_app.state.guides import GuidesState
from load.seed import seed_accounts


class Counting:
    def __init__(self) -> None:
        self.action = ""
        self.statements: Counter[str] = Counter()
        self.texts: dict[str, Counter[str]] = defaultdict(Counter)
        self.runs: Counter[str] = Counter()
        self.cpu: Counter[str] = Counter()
        event.listen(get_engine(), "before_cursor_execute", self._count)

    def _count(self, _conn, _cursor, statement, _params, _context, _executemany) -> None:
        self.statements[self.action] += 1
        self.texts[self.action][" ".join(statement.split())[:100]] += 1

    async def run(self, action: str, handler) -> None:
        self.action, started = action, time.process_time()
        await handler
        self.cpu[action] += time.process_time() - started
        self.runs[action] += 1


async def one_provider(rounds: int, account_index: int, counting: Counting) -> None:
    account = seed_accounts(account_index)[-1]
    token = perform(lambda db: auth_service.login(db, account.login, account.password))
    root = rx.State(_reflex_internal_init=True)
    root.get_substate(AuthState._get_substate_path()).session_token = token
    guides = root.get_substate(GuidesState._get_substate_path())
    billing = root.get_substate(BillingState._get_substate_path())
    selection = root.get_substate(DraftSelectionState._get_substate_path())
    today = clock.today()
    since = (today - timedelta(days=20)).isoformat()
    act = counting.run
    for number in range(rounds):
        if number:
            await asyncio.sleep(5.2)
        await act("open_guides", guides.on_load())
        await act("guides_page", guides.go_to_page(2))
        await act("guides_filter", guides.filter_status("pendente"))
        await act("guides_search", guides.apply_filters({"date_from": since, "date_to": "", "beneficiary": "",
                                                         "guide_number": ""}))
        await act("open_billing", billing.on_load())
        await act("billing_period", billing.open_period({"start": since, "end": today.isoformat(), "competence": ""}))
        if billing.discard_open:
            await act("billing_period", billing.confirm_discard())
        await act("billing_select_none", selection.select_all(False))
        for card in billing.guides[:2]:
            await act("billing_toggle", selection.toggle_guide(card.id, True))
        if billing.guides:
            await act("billing_date", selection.change_date(billing.guides[0].id,
                                                            (today - timedelta(days=3)).isoformat()))
        await act("billing_confirm", billing.confirm())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--account", type=int, default=1, help="which load account (1 = carga0001)")
    parser.add_argument("-v", action="store_true", help="each action's statements")
    args = parser.parse_args(argv)
    counting = Counting()
    asyncio.run(one_provider(args.rounds, args.account, counting))
    print(f"{'ação':22s} {'comandos SQL':>12s} {'CPU ms':>8s}")
    for action, runs in counting.runs.items():
        print(f"{action:22s} {counting.statements[action] / runs:12.1f} {1000 * counting.cpu[action] / runs:8.1f}")
    if args.v:
        for action, runs in counting.runs.items():
            print(f"\n{action}:")
            for text_, count in counting.texts[action].most_common():
                print(f"  {count / runs:5.1f}  {text_}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
