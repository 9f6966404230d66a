from datetime import date, timedelta

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from app.blueprints import apply_service_error, is_htmx, post_form
from app.blueprints.sessions import bp
from app.blueprints.sessions.forms import CANCELLED, OUTCOME_LABELS, NotesForm, SessionForm
from app.models import Client, SessionStatus, TrainingSession
from app.services import ServiceError, clients, packs, plans, sessions
from app.tenancy import find_owned, get_owned_or_404
from app.timefmt import local_to_utc, local_today, now_rounded_to_quarter, to_local, week_bounds


EARLIEST_WEEK, LATEST_WEEK = date(1900, 1, 8), date(2999, 12, 24)


def _parse_week(text: str | None) -> date:
    """The day asked for, or today; a day so far off that its neighbours overflow counts as no day."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        day = None
    if day is None or not EARLIEST_WEEK <= day <= LATEST_WEEK:
        return local_today(current_user.timezone)
    return day


@bp.route("/")
@login_required
def index():
    day = _parse_week(request.args.get("week"))
    monday = day - timedelta(days=day.weekday())
    start, end = week_bounds(monday, current_user.timezone)
    rows = sessions.list_between(current_user.id, start, end)
    return render_template("sessions/index.html", sessions=rows, monday=monday,
                           prev_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7))


def _client_choices(form: SessionForm, keep_id: int | None = None) -> None:
    active = clients.list_clients(current_user.id)
    choices = [(c.id, c.name) for c in active]
    if keep_id and keep_id not in {c.id for c in active}:
        kept = find_owned(Client, current_user.id, keep_id)
        if kept:
            choices.append((kept.id, f"{kept.name} (archived)"))
    form.client_id.choices = [(0, "Choose a client…")] + choices


def _values(form: SessionForm) -> dict:
    client = find_owned(Client, current_user.id, form.client_id.data)
    rate = form.rate_cents.data
    if rate is None and client is not None:
        rate = clients.effective_rate_cents(client, current_user, form.duration_minutes.data)
    return {
        "client_id": form.client_id.data,
        "starts_at": local_to_utc(form.starts_at.data, current_user.timezone),
        "duration_minutes": form.duration_minutes.data,
        "rate_cents": rate,
        "notes": (form.notes.data or "").strip(),
        **sessions.outcome_values(form.outcome.data),
    }


def _prefilled_rate(client: Client) -> int | None:
    """The rate put in the form; left empty when the price depends on the length picked (priced on save)."""
    if client.default_rate_cents is None and plans.duration_prices(current_user.id):
        return None
    return clients.effective_rate_cents(client, current_user)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = SessionForm()
    if request.method == "POST":
        _client_choices(form, keep_id=form.client_id.data)
        if form.validate_on_submit():
            try:
                session = sessions.log_session(current_user.id, form.form_key.data,
                                               allow_overlap_with=form.overlap_with.data, **_values(form))
            except sessions.OverlapError as e:
                form.overlap_with.data = e.other.id
                return render_template("sessions/new.html", form=form, overlap=e.other)
            except ServiceError as e:
                apply_service_error(form, e)
            else:
                flash(f"Session with {session.client.name} logged.", "success")
                not_covered = packs.why_not_covered(session)
                if not_covered:
                    flash(not_covered, "warning")
                if request.form.get("back") == "client":
                    return redirect(url_for("clients.show", client_id=session.client_id))
                return redirect(_week_of(session))
        return render_template("sessions/new.html", form=form)

    refresh = is_htmx() and request.args.get("refresh")
    if refresh:
        # The client was changed in the form: re-render it with that client's rate, keeping the rest.
        form.process(request.args)
    if form.starts_at.data is None:
        form.starts_at.data = now_rounded_to_quarter(current_user.timezone)
    client_id = request.args.get("client_id", type=int)
    client = find_owned(Client, current_user.id, client_id) if client_id else None
    if client and not client.is_archived:
        form.client_id.data = client.id
        form.rate_cents.data = _prefilled_rate(client)
        form.rate_cents.raw_data = None
    _client_choices(form)
    if refresh:
        return render_template("sessions/_form.html", form=form, session=None)
    # Sessions are logged for a client: with none yet, the page offers to add one in the form's place.
    return render_template("sessions/new.html", form=form, session=None,
                           needs_a_client=len(form.client_id.choices) == 1)


def _edit_page(session: TrainingSession, form=None, notes_form=None, refused=False):
    """The edit form, or for an invoiced session its facts read-only and a form for its notes."""
    if session.is_invoiced:
        sessions.with_billed_lines(current_user.id, [session])
        return render_template("sessions/edit.html", session=session, refused=refused,
                               notes_form=notes_form or NotesForm(obj=session),
                               outcome_label=OUTCOME_LABELS[sessions.outcome_of(session)])
    return render_template("sessions/edit.html", session=session, form=form)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit(session_id: int):
    session = get_owned_or_404(TrainingSession, current_user.id, session_id)
    if session.is_invoiced:  # a form opened before the invoice went out: the page says why not
        return _edit_page(session, refused=request.method == "POST")
    form = SessionForm(obj=session)
    _client_choices(form, keep_id=session.client_id)
    if session.status == SessionStatus.cancelled:
        # Offered only here, so that saving a note on a cancelled session does not quietly un-cancel it.
        form.outcome.choices = [*form.outcome.choices, CANCELLED]
    if request.method == "GET":
        form.starts_at.data = to_local(session.starts_at).replace(tzinfo=None)
        form.outcome.data = sessions.outcome_of(session)
    else:
        done = post_form(form, lambda: sessions.update_session(current_user.id, session.id, **_values(form)),
                         "Session saved.", _week_of)
        if done:
            return done
    return _edit_page(session, form=form)


def _week_of(session: TrainingSession) -> str:
    return url_for("sessions.index", week=to_local(session.starts_at).date().isoformat())


@bp.route("/<int:session_id>/notes", methods=["POST"])
@login_required
def notes(session_id: int):
    session = get_owned_or_404(TrainingSession, current_user.id, session_id)
    form = NotesForm()
    return post_form(form, lambda: sessions.update_notes(current_user.id, session.id, form.notes.data),
                     "Notes saved.", url_for("sessions.edit", session_id=session.id)) \
        or _edit_page(session, notes_form=form)


@bp.route("/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id: int):
    session = get_owned_or_404(TrainingSession, current_user.id, session_id)
    try:
        sessions.cancel_session(current_user.id, session.id)
        flash("Session cancelled. It will not be billed.", "success")
    except sessions.SessionLocked:
        pass  # the session's page says why, once
    except ServiceError as e:
        flash(e.message, "error")
    return redirect(url_for("sessions.edit", session_id=session.id))


@bp.route("/<int:session_id>/delete", methods=["POST"])
@login_required
def delete(session_id: int):
    session = get_owned_or_404(TrainingSession, current_user.id, session_id)
    week = to_local(session.starts_at).date().isoformat()
    try:
        sessions.delete_session(current_user.id, session.id)
        flash("Session deleted.", "success")
    except ServiceError as e:
        if not isinstance(e, sessions.SessionLocked):  # else the session's page says why, once
            flash(e.message, "error")
        return redirect(url_for("sessions.edit", session_id=session.id))
    return redirect(url_for("sessions.index", week=week))
