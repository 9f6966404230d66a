"""Auto-pay from the trainer's side: the overview, and her hand on a failed charge (Retry now, Pause or
resume retries, Switch to pay by link, Mark uncollectible). Each answers by going back to where she was."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints.invoices import bp
from app.blueprints.invoices.drafts_routes import actor
from app.services import ServiceError, autopay_overview, autopay_retries, stripe_sync_state


@bp.route("/autopay")
@login_required
def autopay():
    rows = autopay_overview.autopay_clients(current_user.id)
    return render_template("autopay/index.html", rows=rows, failed_payments=autopay_overview.failed_payments(current_user.id),
                           sync=stripe_sync_state.states_by_client(current_user.id, [row.client.id for row in rows]))


def _act(invoice_id: int, work, done: str):
    try:
        outcome = work()
    except LookupError:
        abort(404)
    except ServiceError as e:
        flash(e.message, "error")
    else:
        flash(done if outcome is not False else "Already tried again: see the latest attempt below.",
              "success" if outcome is not False else "error")
    return redirect(url_for("main.dashboard", _anchor="failed-payments"))


@bp.route("/<int:invoice_id>/autopay/retry", methods=["POST"])
@login_required
def autopay_retry(invoice_id: int):
    seen = request.form.get("attempt_no", "")
    seen_attempt = int(seen) if seen.isdigit() and len(seen) < 6 else -1  # a page of no attempt retries nothing
    return _act(invoice_id, lambda: autopay_retries.retry_now(current_user.id, invoice_id, seen_attempt, actor()),
                "Charging the card now.")


@bp.route("/<int:invoice_id>/autopay/pause", methods=["POST"])
@login_required
def autopay_pause(invoice_id: int):
    return _act(invoice_id, lambda: autopay_retries.set_retries_paused(current_user.id, invoice_id, True, actor()),
                "Retries paused.")


@bp.route("/<int:invoice_id>/autopay/resume", methods=["POST"])
@login_required
def autopay_resume(invoice_id: int):
    return _act(invoice_id, lambda: autopay_retries.set_retries_paused(current_user.id, invoice_id, False, actor()),
                "Retries resumed.")


@bp.route("/<int:invoice_id>/autopay/pay-by-link", methods=["POST"])
@login_required
def autopay_pay_by_link(invoice_id: int):
    return _act(invoice_id, lambda: autopay_retries.switch_to_pay_by_link(current_user.id, invoice_id, actor()),
                "Auto-pay is off for this invoice; the client was sent the link to pay.")


@bp.route("/<int:invoice_id>/autopay/uncollectible", methods=["POST"])
@login_required
def autopay_uncollectible(invoice_id: int):
    reason = request.form.get("reason", "")
    return _act(invoice_id, lambda: autopay_retries.mark_uncollectible(current_user.id, invoice_id, actor(), reason),
                "Marked uncollectible and written off.")

