"""gunicorn's settings for the dashboard (docs/operations.md, "Serving").

    .venv/bin/gunicorn -c deploy/gunicorn.conf.py dashboard.wsgi:server

Anything given on the command line wins (``--bind``, ``--workers``). Settings of the app itself
come from the environment (``LFO_*``, see ``.env.example``); the log goes to stderr, one line per
record with its request id, plain or JSON (``LFO_LOG_FORMAT``).
"""

import os

#: Loopback only: the organisation's reverse proxy (TLS) is in front. deploy/systemd/lfo-web.service
#: binds a unix socket instead (``--bind unix:/run/lfo/web.sock``), the one nginx proxies to
#: (deploy/nginx/lfo.conf): only nginx and the service account may open it.
bind = "127.0.0.1:8050"
#: A unix socket is made group-writable (0770: the service account's group, which nginx's user
#: joins), never world-writable.
umask = 0o007
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
#: gunicorn reads no ``X-Forwarded-*`` header itself (it would believe any unix-socket peer): the
#: app does, through Werkzeug's ProxyFix, only for the proxy it trusts (``LFO_TRUSTED_PROXIES``,
#: ``LFO_PROXY_ADDRESSES``: dashboard/web/proxy.py), the one home for that.
secure_scheme_headers: dict[str, str] = {}
#: No control socket (gunicorn 27 opens one in the home folder by default; nothing here uses it).
control_socket_disable = True
