"""Command-line tools: `flask seed-demo`, `flask create-trainer` and `flask worker`."""
import os
import signal
import subprocess
import time
from datetime import datetime, timedelta, timezone

import pytest
from rq.job import Job
from sqlalchemy import func, select

from app.extensions import db
from app.jobs import get_queue
from app.models import Client, Trainer, TrainingSession
from app.services.demo import DEMO_EMAIL, DEMO_PASSWORD
from tests.processes import ROOT, process_tree

FLASK = str(ROOT / ".venv" / "bin" / "flask")


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# seed-demo

def test_seed_demo_creates_a_trainer_with_12_clients_and_three_weeks_of_sessions(app, runner):
    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 0, result.output
    assert f"log in as {DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == DEMO_EMAIL))
    assert count(Client, Client.trainer_id == trainer.id) == 12
    starts = db.session.scalars(select(TrainingSession.starts_at)
                                .where(TrainingSession.trainer_id == trainer.id)).all()
    assert len(starts) >= 30
    now = datetime.now(timezone.utc)
    assert max(starts) <= now
    assert now - timedelta(days=23) <= min(starts) <= now - timedelta(days=19)


def test_demo_login_printed_by_seed_demo_works(app, runner, browser):
    runner.invoke(args=["seed-demo"])

    response = browser.login(DEMO_EMAIL, password=DEMO_PASSWORD)

    assert response.status_code == 302
    assert browser.get("/dashboard").status_code == 200


def test_seed_demo_if_empty_does_not_seed_twice(app, runner):
    runner.invoke(args=["seed-demo", "--if-empty"])
    sessions_before = count(TrainingSession)

    result = runner.invoke(args=["seed-demo", "--if-empty"])

    assert result.exit_code == 0, result.output
    assert "already there" in result.output
    assert f"{DEMO_EMAIL} / {DEMO_PASSWORD}" in result.output
    assert count(Trainer) == 1
    assert count(Client) == 12
    assert count(TrainingSession) == sessions_before


def test_seed_demo_twice_without_if_empty_explains_instead_of_crashing(app, runner):
    runner.invoke(args=["seed-demo"])
    clients_before = count(Client)

    result = runner.invoke(args=["seed-demo"])

    assert result.exit_code == 1
    assert not isinstance(result.exception, ValueError)  # a message, not a traceback
    assert "--if-empty" in result.output
    assert count(Client) == clients_before


# create-trainer

def test_create_trainer_makes_an_account_that_can_log_in(app, runner, browser):
    result = runner.invoke(args=["create-trainer", "--email", "New@Example.com", "--name", "Nia Coach",
                                 "--business-name", "Nia Strength"],
                           input="a long password\na long password\n")

    assert result.exit_code == 0, result.output
    assert "Created trainer new@example.com" in result.output
    trainer = db.session.scalar(select(Trainer))
    assert (trainer.email, trainer.name, trainer.business_name) == ("new@example.com", "Nia Coach", "Nia Strength")
    assert trainer.password_hash.startswith("$argon2id$")
    assert not trainer.is_admin
    assert browser.login("new@example.com", password="a long password").status_code == 302


def test_create_trainer_prompts_for_what_is_missing(app, runner):
    result = runner.invoke(args=["create-trainer", "--admin"],
                           input="ops@example.com\nOps Person\na long password\na long password\n")

    assert result.exit_code == 0, result.output
    trainer = db.session.scalar(select(Trainer))
    assert trainer.email == "ops@example.com" and trainer.is_admin


def test_create_trainer_refuses_a_taken_email(app, runner, trainer):
    result = runner.invoke(args=["create-trainer", "--email", trainer.email, "--name", "Copy",
                                 "--password", "a long password"])

    assert result.exit_code == 1
    assert "already exists" in result.output
    assert count(Trainer) == 1


def test_create_trainer_refuses_a_short_password(app, runner):
    result = runner.invoke(args=["create-trainer", "--email", "x@example.com", "--name", "X",
                                 "--password", "short"])

    assert result.exit_code == 1
    assert "Use at least 10 characters." in result.output
    assert count(Trainer) == 0


# worker

@pytest.fixture
def start_worker(database_url, redis_url):
    """Starts `flask worker` as its own process group, as the Procfile would; stops what is left."""
    started = []

    def start(*args):
        env = {k: v for k, v in os.environ.items() if k not in ("SPOTTER_ENV", "FLASK_ENV", "DYNO")}
        env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONUNBUFFERED="1")
        process = subprocess.Popen([FLASK, "--app", "wsgi", "worker", *args], cwd=ROOT, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def wait_for_status(job: Job, status: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while job.get_status(refresh=True) != status:
        assert time.monotonic() < deadline, f"job is {job.get_status()}, not {status}"
        time.sleep(0.05)


def test_worker_runs_each_job_inside_the_app(app, start_worker):
    queue = get_queue()
    noop = queue.enqueue("app.jobs.probe.noop")
    app_name = queue.enqueue("app.jobs.probe.report_app_name")

    worker = start_worker("--burst")
    output, _ = worker.communicate(timeout=60)

    assert worker.returncode == 0, output
    assert noop.get_status(refresh=True) == "finished"
    assert noop.return_value() == "ok"
    assert app_name.get_status(refresh=True) == "finished", output
    assert app_name.return_value() == "app"


def test_a_starting_worker_writes_nothing_to_the_database(app, run_worker, count_queries):
    with count_queries() as queries:
        run_worker()  # nothing queued: it starts, finds no job and stops

    assert queries.statements == []


@pytest.mark.parametrize("whole_dyno", [False, True], ids=["worker-only", "whole-dyno"])
def test_sigterm_lets_the_running_job_finish_then_the_worker_exits(app, start_worker, whole_dyno):
    """On each deploy Heroku sends SIGTERM to every process in the dyno: the worker and its scheduler."""
    queue = get_queue()
    held = queue.enqueue("app.jobs.probe.hold", 2)
    waiting = queue.enqueue("app.jobs.probe.noop")
    worker = start_worker("--with-scheduler")
    wait_for_status(held, "started")

    targets = process_tree(worker.pid) if whole_dyno else [worker.pid]
    assert len(targets) >= (2 if whole_dyno else 1)  # the worker and its scheduler
    for pid in targets:
        os.kill(pid, signal.SIGTERM)
    output, _ = worker.communicate(timeout=30)

    assert worker.returncode == 0, output
    assert "Traceback" not in output, output
    assert held.get_status(refresh=True) == "finished", output
    assert held.return_value() == "held"
    assert waiting.get_status(refresh=True) == "queued"  # left for the next worker


def test_seed_demo_has_a_pack_client_with_sessions_covered(app, runner):
    from app.models import CreditLot, CreditUse, Plan
    runner.invoke(args=["seed-demo"])
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == DEMO_EMAIL))
    assert {p.name for p in db.session.scalars(select(Plan).where(Plan.trainer_id == trainer.id,
                                                                  Plan.kind == "pack"))} == {"10-pack", "5-pack"}
    lot = db.session.scalar(select(CreditLot).where(CreditLot.trainer_id == trainer.id,
                                                    CreditLot.membership_id.is_(None)))
    assert lot.sessions_total == 10 and lot.expires_on is not None
    assert 1 <= count(CreditUse, CreditUse.lot_id == lot.id) <= 10


def test_seed_demo_has_a_membership_client_upgraded_mid_cycle(app, runner):
    from app.models import Membership, Payment
    runner.invoke(args=["seed-demo"])
    trainer = db.session.scalar(select(Trainer).where(Trainer.email == DEMO_EMAIL))
    membership = db.session.scalar(select(Membership).where(Membership.trainer_id == trainer.id))
    assert membership.plan.name == "Platinum" and membership.status == "active"
    credit = db.session.scalar(select(Payment).where(Payment.client_id == membership.client_id,
                                                     Payment.method == "credit"))
    assert credit.amount_cents > 0 and credit.note.startswith("Gold → Platinum: unused")
