"""gunicorn's settings for the dashboard (docs/operations.md, "Serving").

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server

Anything given on the command line wins (``--bind``, ``--workers``). Settings of the app itself
come from the environment (``LFO_*``, see ``.env.example``); the log goes to stderr, one line per
record with its request id, plain or JSON (``LFO_LOG_FORMAT``).
"""

import os

#: Loopback only: the organisation's reverse proxy (TLS) is in front.
bind = "127.0.0.1:8050"
#: One worker per core is a good start; each opens its own read-only database connection.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
#: Never preload: each worker must open the database itself, not inherit it across fork.
preload_app = False
timeout = 60
graceful_timeout = 30
#: gunicorn's own lines (start, workers, errors) to stderr; the app writes one access line per
#: request itself, with the request id, so gunicorn's access log stays off.
errorlog = "-"
loglevel = "info"
accesslog = None
#: The request line and headers a browser or API client needs, and no more (gunicorn's defaults,
#: written down); the body limits (1 MB a callback, 50 MB in all) are the app's.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
#: Only the proxy on this machine may say the request came over https (``X-Forwarded-Proto``).
forwarded_allow_ips = "127.0.0.1"
#: No control socket (gunicorn 27 opens one in the home folder by default; nothing here uses it).
control_socket_disable = True
