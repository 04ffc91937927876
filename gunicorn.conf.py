"""gunicorn's settings, read from the working directory (the image, docker-compose, make loadtest).

Threads, not one process per concurrent request: the requests are short and spend a third of
their time waiting on PostgreSQL and Redis; a process's threads fill those waits on its core
with warm caches, and keep the client's connection alive. On 2 cores, 2 processes of 4 threads
served the main pages' mix with 8.4–9.9 ms of CPU per request where 4 sync workers took
14.3–15.0 ms (docs/scaling.md, « Débit »). Each thread holds its own persistent database
connection: workers × threads of them (docs/operations.md).
"""
import os

# One process per core of the host (WEB_CONCURRENCY, as gunicorn reads it; 2 as measured).
workers = int(os.environ.get("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = 4
timeout = 60
