"""gunicorn settings for the web dyno, read from the working directory by `gunicorn wsgi:app`
(the Procfile) and by bench/public_page.py, so the bench measures what is deployed.

Threads rather than one request per process: the card and Stripe Connect pages wait on Stripe for up
to a few seconds, and the Heroku router keeps its connections to the dyno alive, which the gthread
worker serves (the sync worker closes each one).
"""
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
timeout = 30
keepalive = 75  # idle connections from the router stay open for its next request
accesslog = "-"
logger_class = "app.access_log.RedactingLogger"  # invoice links are written /i/abcdef… (app/access_log.py)
