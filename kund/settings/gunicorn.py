"""gunicorn's settings for Kund (`gunicorn -c python:kund.settings.gunicorn kund.wsgi`; `kund serve` passes
them), from the environment: KUND_BIND, KUND_WEB_WORKERS, KUND_WEB_THREADS, KUND_WEB_TIMEOUT,
KUND_FORWARDED_ALLOW_IPS, KUND_ACCESS_LOG."""

import os

bind = [address.strip() for address in os.environ.get("KUND_BIND", "127.0.0.1:8000").split(",")]
# Processes, each with its own database connection; two or three per core is usual.
workers = int(os.environ.get("KUND_WEB_WORKERS", "4"))
threads = int(os.environ.get("KUND_WEB_THREADS", "1"))
timeout = int(os.environ.get("KUND_WEB_TIMEOUT", "60"))  # seconds a request may take (exports are longest)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests, so that memory a request left behind is given back.
max_requests = 2000
max_requests_jitter = 200
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"  # the workers' heartbeat files, off a disk that may stall

# Only these proxies' X-Forwarded-Proto is believed (Django's SECURE_PROXY_SSL_HEADER decides for Kund).
forwarded_allow_ips = os.environ.get("KUND_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# The access log never holds a query string: the list and the API search by name and e-mail address in
# ?q=, and a log line must not carry them. So: the method and the path only (%(U)s, never %(r)s or %(q)s)
# and no referrer (%(f)s, another page's address with its query string).
accesslog = os.environ.get("KUND_ACCESS_LOG", "-")
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'
errorlog = "-"

# No control socket (gunicornc): its default path is one per user, which two servers on one machine (a
# second site, a load test) would fight over. systemd or `kund serve` manages the server.
control_socket_disable = True
