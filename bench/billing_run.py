"""Scheduled billing at scale: 500 trainers x 20 clients, four weeks of sessions each, every trainer's
scheduled run billed through the billing engine.

The clock's tick writes the 500 runs (timed once), then each run is billed as its job does it
(in this process, no worker: the job is three lines over the service), timed and its SQL counted.
The client mix is a parameter (pay-as-you-go, pack, membership; a third each by default): a pack
client holds a usable 10-pack that covers its sessions, a member is on a monthly plan (8 sessions
included, extra ones at $70) with a renewal due in the period, billed by the run.
Last line: runs= invoices= total_s= run_p50_ms= run_p95_ms= queries_per_run=
Run: .venv/bin/python -m bench.billing_run [trainers] [clients] [--send] [--mix payg:pack:membership]
"""
import argparse
import time
from datetime import datetime, timedelta, timezone

from sqlalchemy import event, func, insert, select

from app.extensions import db
from app.models import (BillingRun, BillingSchedule, Client, CreditLot, CreditUse, Invoice, Membership, Plan, Trainer,
                        TrainingSession)
from app.services import billing_runs
from bench.harness import bench_app, figures, median, percentile, timed_ms

WEEKS, SESSIONS_PER_WEEK = 4, 2
MONDAY_0900 = 9 * 60


def parse_args():
    parser = argparse.ArgumentParser()
    parser.add_argument("trainers", nargs="?", type=int, default=500)
    parser.add_argument("clients", nargs="?", type=int, default=20)
    parser.add_argument("--send", action="store_true", help="Scheduled invoices sent by themselves "
                                                            "(default: they wait for review; she is texted).")
    parser.add_argument("--mix", default="1:1:1", help="pay-as-you-go : pack : membership clients")
    return parser.parse_args()


def kinds(clients: int, mix: tuple[int, int, int]) -> list[str]:
    """Each client's kind, in the mix's proportions: ["payg", "pack", "membership", ...]."""
    weights = [("payg", mix[0]), ("pack", mix[1]), ("membership", mix[2])]
    total = sum(w for _, w in weights) or 1
    out = []
    for kind, weight in weights:
        out += [kind] * round(clients * weight / total)
    return (out + ["payg"] * clients)[:clients]


def seed_plans(trainer_ids, client_ids, clients: int, mix, now: datetime) -> None:
    """A 10-pack (sold, usable, on the client's draft) for each pack client; a monthly membership whose
    renewal falls in the billing period for each member."""
    kind_of = kinds(clients, mix)
    by_trainer = {}
    for cid, tid in client_ids:
        by_trainer.setdefault(tid, []).append(cid)
    renew_on = (now - timedelta(days=3)).date()
    pack_ids = dict(db.session.execute(insert(Plan).returning(Plan.trainer_id, Plan.id), [
        {"trainer_id": tid, "kind": "pack", "name": "10-pack", "sessions_total": 10, "price_cents": 70000,
         "valid_days": 90, "valid_from": "sale", "rollover_max": 0, "created_at": now} for tid in trainer_ids]).all())
    gold_ids = dict(db.session.execute(insert(Plan).returning(Plan.trainer_id, Plan.id), [
        {"trainer_id": tid, "kind": "membership", "name": "Gold", "price_cents": 48000, "valid_from": "sale",
         "cadence": "monthly", "anchor_day": renew_on.day, "included_sessions": 8, "extra_session_cents": 7000,
         "rollover_max": 2, "created_at": now} for tid in trainer_ids]).all())
    packers = [(tid, cid) for tid, cids in by_trainer.items() for i, cid in enumerate(sorted(cids))
               if kind_of[i] == "pack"]
    members = [(tid, cid) for tid, cids in by_trainer.items() for i, cid in enumerate(sorted(cids))
               if kind_of[i] == "membership"]
    if packers:
        drafts = db.session.execute(insert(Invoice).returning(Invoice.id, Invoice.client_id), [
            {"trainer_id": tid, "client_id": cid, "currency": "USD", "status": "draft", "version": 0}
            for tid, cid in packers]).all()
        trainer_of = dict((cid, tid) for tid, cid in packers)
        lot_ids = dict(db.session.execute(insert(CreditLot).returning(CreditLot.client_id, CreditLot.id), [
            {"trainer_id": trainer_of[cid], "client_id": cid, "plan_id": pack_ids[trainer_of[cid]], "invoice_id": iid,
             "name": "10-pack", "sessions_total": 10, "price_cents": 70000, "valid_days": 90, "valid_from": "sale",
             "expires_on": (now + timedelta(days=60)).date(), "usable_from": now - timedelta(weeks=WEEKS + 1),
             "created_at": now} for iid, cid in drafts]).all())
        # Covered when they were logged, as the app does it: each pack client's sessions hold a credit.
        uses = [{"trainer_id": tid, "lot_id": lot_ids[cid], "session_id": sid, "created_at": now}
                for sid, cid, tid in db.session.execute(select(
                    TrainingSession.id, TrainingSession.client_id, TrainingSession.trainer_id).where(
                    TrainingSession.client_id.in_(list(lot_ids))))]
        for i in range(0, len(uses), 5000):
            db.session.execute(insert(CreditUse), uses[i:i + 5000])
    if members:
        db.session.execute(insert(Membership), [
            {"trainer_id": tid, "client_id": cid, "plan_id": gold_ids[tid], "status": "active",
             "anchor_on": datetime(2000, 1, renew_on.day).date(), "started_on": renew_on - timedelta(days=28),
             "next_renewal_on": renew_on, "created_at": now} for tid, cid in members])


def seed(trainers: int, clients: int, review: bool, now: datetime, mix=(1, 0, 0)) -> None:
    """Bulk rows: hashing 500 passwords would time the seed, not the billing."""
    trainer_ids = db.session.execute(insert(Trainer).returning(Trainer.id), [
        {"email": f"bench{t}@example.com", "password_hash": "x", "name": f"Trainer {t}",
         "business_name": f"Gym {t}", "mobile": "+14155550100", "mobile_verified_at": now,
         "default_rate_cents": 8000, "timezone": "America/New_York"} for t in range(trainers)]).scalars().all()
    client_rows = [{"trainer_id": tid, "name": f"Client {c:02d}", "mobile": f"+1415555{c:04d}",
                    "sms_consent": True, "notes": ""} for tid in trainer_ids for c in range(clients)]
    client_ids = db.session.execute(insert(Client).returning(Client.id, Client.trainer_id), client_rows).all()
    start = now - timedelta(weeks=WEEKS)
    sessions = [{"trainer_id": tid, "client_id": cid, "duration_minutes": 60, "rate_cents": 8000 + (cid % 5) * 500,
                 "status": "completed", "no_show_chargeable": True, "notes": "",
                 "starts_at": start + timedelta(days=w * 7 + s * 3, hours=cid % 10)}
                for cid, tid in client_ids for w in range(WEEKS) for s in range(SESSIONS_PER_WEEK)]
    for i in range(0, len(sessions), 5000):
        db.session.execute(insert(TrainingSession), sessions[i:i + 5000])
    seed_plans(trainer_ids, client_ids, clients, mix, now)
    since = now - timedelta(weeks=WEEKS + 1)
    db.session.execute(insert(BillingSchedule), [
        {"trainer_id": tid, "cadence": "weekly", "anchor_date": since.date() - timedelta(days=since.weekday()),
         "at_minute": MONDAY_0900, "review": review, "active_since": since} for tid in trainer_ids])
    db.session.commit()


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, *args):
        self.count += 1


def main() -> None:
    args = parse_args()
    payg, pack, membership = (int(x) for x in args.mix.split(":"))
    with bench_app() as (_app, _redis):
        now = datetime.now(timezone.utc)
        seed(args.trainers, args.clients, review=not args.send, now=now, mix=(payg, pack, membership))
        sessions = db.session.scalar(select(func.count(TrainingSession.id)))
        tick_ms = timed_ms(lambda: billing_runs.tick(now))
        run_ids = list(db.session.scalars(select(BillingRun.id).order_by(BillingRun.id)))
        db.session.remove()

        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        times, started = [], time.perf_counter()
        for run_id in run_ids:
            times.append(timed_ms(lambda: billing_runs.run_billing(run_id)))
            db.session.remove()  # as the worker does after each job
        total_s = time.perf_counter() - started
        event.remove(db.engine, "before_cursor_execute", counter)

        invoices = db.session.scalar(select(func.count(Invoice.id)))
        done = db.session.scalar(select(func.count(BillingRun.id)).where(BillingRun.status == "done"))
        print(f"trainers={args.trainers} clients_per_trainer={args.clients} sessions={sessions} "
              f"mode={'send' if args.send else 'review'} runs_done={done} tick_ms={tick_ms:.1f}")
        kind_of = kinds(args.clients, (payg, pack, membership))
        renewed = db.session.scalar(select(func.count()).select_from(Membership).where(
            Membership.next_renewal_on > now.date()))
        print(f"client mix payg:pack:membership = {kind_of.count('payg')}:{kind_of.count('pack')}:"
              f"{kind_of.count('membership')} per trainer; memberships renewed by the runs: {renewed}")
        print(figures(runs=len(run_ids), invoices=invoices, total_s=total_s, run_p50_ms=median(times),
                      run_p95_ms=percentile(times, 95), queries_per_run=round(counter.count / max(len(run_ids), 1), 1)))


if __name__ == "__main__":
    main()
