"""Distributed crawling on Redis: N ``ingest crawl --redis`` workers, one ``ingest drain`` writer.

Workers on any number of machines share one frontier through scrapy-redis: its scheduler keeps
the request queue and its duplicate filter keeps the fingerprints of every request of the run in
Redis, so no URL is fetched twice. Each worker extracts pages in its own process pool and pushes
the results (the :class:`~ingest.storage.PageResult` dicts of :mod:`ingest.process`) to a Redis
list; the single writer, ``ingest drain``, moves them to a processing list, stores them with
:meth:`Store.write_batch <ingest.storage.Store.write_batch>` (the same upsert, dedup and fetch
log as a local crawl) and removes them from the processing list only after the commit.

A *run* is what the workers started with the same selection (source names, ``--site`` or
``--url``) do together between an empty queue and the next empty queue. The first worker to
join creates it (``ingest:current:SELECTION`` holds its token); workers with another selection
run side by side in their own run. A source's discovery pages are enqueued by the first worker
that claims the source in that run. A worker stops when the run is
complete: queue empty, every live worker idle, no discovery still being seeded. The writer
records one ``runs`` row per distributed run (``message`` = ``distributed run TOKEN``).

What is guaranteed when a process dies (SIGKILL, power loss):

- worker: requests it had taken from the queue are *leased* to it (moved to its lease hash
  atomically with the pop) until their results are pushed; when its heartbeat is older than
  ``INGEST_REDIS_WORKER_TTL`` seconds, any other worker puts them back in the queue. Results
  already pushed stay pushed. A page whose result was pushed just before the kill may be fetched
  again; the writer then keeps the first result (see below).
- writer: results in the processing list are written again on restart. Writing is idempotent:
  a result whose (run, source, URL) is already in the fetch log is skipped.
- Redis itself is the frontier: use persistence (AOF) if a Redis restart must not lose a run.
- Redis unreachable (restarting, network): a worker holds its results, follow-up requests and
  leases and carries on when Redis is back; after ``INGEST_REDIS_OUTAGE`` seconds it stops with
  one line (status ``failed``, exit 1), and the requests it held go back to the queue. A call
  that gets no answer within ``INGEST_REDIS_TIMEOUT`` seconds counts as Redis unreachable (a
  cut-off connection would otherwise hang the worker).

Redis keys (one Redis database per project; Redis Cluster is not supported)::

    ingest:current:SELECTION        token of the current run of a selection of sources
    ingest:run:T:requests           scrapy-redis priority queue (sorted set)
    ingest:run:T:dupefilter         scrapy-redis request fingerprints (set)
    ingest:run:T:workers            worker -> last heartbeat (sorted set, Redis clock)
    ingest:run:T:busy               worker -> 1 while it has work in progress
    ingest:run:T:leases:WORKER      requests taken by WORKER and not finished
    ingest:run:T:seeded             discovery claimed per source: "WORKER|pending" or "|done"
    ingest:run:T:budget             article requests per source (max_articles across workers)
    ingest:run:T:budget-urls        the URLs counted there ("source<TAB>url"), each counted once
    ingest:run:T:listings           listing pages followed per source (across workers)
    ingest:run:T:info               selection, started_at, ended_at, status, requeued, ...
    ingest:run:T:applied            fetch ids the writer has stored (idempotence)
    ingest:items                    results and run events waiting for the writer (list)
    ingest:items:processing         the batch the writer is storing
    ingest:writer                   the writer's lock
    ingest:writer:mark              max(fetch_log.id) before the segment being committed
    ingest:writer:runs              run token -> id of its row in ``runs``
    ingest:urls                     per-URL state mirrored from the database (incremental runs)
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import json
import logging
import os
import re
import secrets
import socket
import time
from collections import Counter, deque
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import redis
from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.settings import BaseSettings
from scrapy.utils.defer import deferred_from_coro
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler
from twisted.internet import task

from ingest.errors import LockedError, UserError
from ingest.health import DEGRADED, assess
from ingest.lock import DbLock
from ingest.storage import PageResult, Store, now_iso

log = logging.getLogger(__name__)

PREFIX = "ingest"
CURRENT = f"{PREFIX}:current:"  # + selection digest -> token of that selection's current run
RUNS = f"{PREFIX}:run"
ITEMS = f"{PREFIX}:items"
PROCESSING = f"{PREFIX}:items:processing"
WRITER = f"{PREFIX}:writer"
WRITE_MARK = f"{PREFIX}:writer:mark"  # the segment being committed (see Drain)
WRITER_RUNS = f"{PREFIX}:writer:runs"  # run token -> runs.id in the writer's database
WRITER_TTL = 30
URL_STATES = f"{PREFIX}:urls"
URL_STATES_SYNCED = f"{PREFIX}:urls:synced"
RUN_MESSAGE = "distributed run {token}"
FETCH_ID = "ingest_fetch"  # request meta: one id per queued request, carried by its result
INFO_TTL = 7 * 24 * 3600  # how long a finished run's info stays for `ingest drain --status`

DEFAULT_WORKER_TTL = 30.0
DEFAULT_OUTAGE = 60.0  # seconds a worker waits for an unreachable Redis before it stops
#: Seconds a Redis call may wait for its answer. Without it, a connection cut off without a
#: reset (a network partition, a host that vanished) blocks the caller until TCP gives up,
#: hours later, with the reactor thread and every lease it holds stuck. A timed-out call is an
#: outage like a refused one (``UNREACHABLE``).
DEFAULT_SOCKET_TIMEOUT = 15.0
#: What a Redis that is down, restarting or cut off raises (BusyLoadingError included).
UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
DEFAULT_MAX_ITEMS = 20_000
TICK = 0.5  # seconds between a worker's heartbeats / lease releases / idle checks
REDIS_LOST = "redis_unreachable"  # close reason of a worker that gave up waiting for Redis


# -- connection and keys ----------------------------------------------------------------------


def connect(url: str, timeout: float = DEFAULT_SOCKET_TIMEOUT) -> redis.Redis:
    """A Redis client for ``url`` that answers PING, or a UserError saying what to fix.

    Every call gives up after ``timeout`` seconds without an answer (see
    ``DEFAULT_SOCKET_TIMEOUT``; 0 waits for ever, as before it existed); TCP keepalive also finds
    a dead peer of an idle connection (a unix socket has none: redis-py refuses the option)."""
    if timeout < 0:
        raise UserError(
            f"INGEST_REDIS_TIMEOUT {timeout:g}: give the seconds a Redis call may wait"
            " (0: no limit)"
        )
    try:
        parts = urlsplit(url)
        tcp = parts.scheme in ("redis", "rediss")
        if tcp and not re.fullmatch(r"/?\d*", parts.path):  # redis-py would read it as 0
            raise ValueError(f"database {parts.path.lstrip('/')!r} is no number")
        server = redis.Redis.from_url(
            url,
            socket_connect_timeout=5,
            socket_timeout=timeout or None,  # redis-py makes 0 a non-blocking socket
            health_check_interval=30,
            **({"socket_keepalive": True} if tcp else {}),
        )
    except ValueError as exc:
        raise UserError(
            f"--redis {url!r} is not a Redis URL ({exc}); use redis://HOST:PORT/N"
        ) from None
    try:
        server.ping()
    except redis.exceptions.RedisError as exc:
        raise UserError(
            f"cannot reach Redis at {url} ({exc}); start redis-server or fix --redis"
        ) from None
    return server


class Outage:
    """Redis unreachable from a worker: said once, ridden out for up to ``limit`` seconds (a
    Redis restart takes seconds), then the worker stops with one line.

    Nothing is lost meanwhile: results wait in the pipeline, follow-up requests in the
    scheduler, and leases are ended only after both reached Redis again.
    """

    def __init__(self, url: str, limit: float) -> None:
        self.url = url
        self.limit = limit
        self.since: float | None = None
        self.error = ""

    def failed(self, exc: Exception) -> None:
        """A Redis call could not reach the server."""
        if self.since is None:
            self.since, self.error = time.monotonic(), str(exc)
            log.warning(
                "Redis at %s unreachable (%s): waiting up to %.0f s for it to come back",
                self.url,
                exc,
                self.limit,
            )

    def ok(self, started: float | None = None) -> None:
        """A Redis call went through: the outage, if any, is over. Unless the call began
        (``started``, monotonic) before the outage was noticed: its answer may have come before
        the link went, and the reactor, held by the call that noticed, only now hears of it."""
        if self.since is not None and (started is None or started >= self.since):
            log.warning("Redis is back after %.1f s", time.monotonic() - self.since)
            self.since = None

    @property
    def expired(self) -> bool:
        return self.since is not None and time.monotonic() - self.since >= self.limit

    def message(
        self, after: str = "the requests this worker held go back to the queue once Redis is back"
    ) -> str:
        """The one line said when the wait is over; ``after``: what happens to the work."""
        return (
            f"cannot reach Redis at {self.url} for {self.limit:.0f} s ({self.error}); start "
            f"redis-server or fix --redis ({after})"
        )


class RunKeys:
    """The Redis keys of one distributed run (see the module docstring)."""

    def __init__(self, token: str) -> None:
        self.token = token
        self.base = base = f"{RUNS}:{token}"
        self.requests, self.dupefilter, self.workers, self.busy = (
            f"{base}:{part}" for part in ("requests", "dupefilter", "workers", "busy")
        )
        self.seeded, self.info, self.applied, self.lease_seq = (
            f"{base}:{part}" for part in ("seeded", "info", "applied", "lease-seq")
        )
        self.budget, self.listings = f"{base}:budget", f"{base}:listings"

    def leases(self, worker: str) -> str:
        return f"{self.base}:leases:{worker}"


def current_key(selection: str) -> str:
    """Where the token of the current run of ``selection`` is kept."""
    return CURRENT + hashlib.sha1(selection.encode("utf-8")).hexdigest()[:16]


def selection_of(spider: Spider) -> str:
    """What a worker was asked to crawl: workers asked the same share a run."""
    if getattr(spider, "site", None):
        return f"site {spider.site}"
    urls = getattr(spider, "article_urls", None)
    if urls:
        return "urls " + hashlib.sha1("\n".join(sorted(urls)).encode()).hexdigest()[:12]
    return "sources " + ",".join(sorted(s.name for s in getattr(spider, "sources", [])))


def new_token() -> str:
    """Run tokens sort by start time and never repeat."""
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + secrets.token_hex(3)


# -- Lua: every change of run membership is one atomic script ---------------------------------

_LUA_PRELUDE = """
local prefix = ARGV[1]
local current = KEYS[1]  -- ingest:current:SELECTION
local function base(token) return prefix .. ':run:' .. token end
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) + tonumber(t[2]) / 1000000
end
-- Put the leased requests of workers whose heartbeat is older than deadline back in the queue.
local function reap(b, deadline)
  local dead = redis.call('ZRANGEBYSCORE', b .. ':workers', '-inf', '(' .. deadline)
  local requeued = 0
  for _, w in ipairs(dead) do
    local leases = redis.call('HGETALL', b .. ':leases:' .. w)
    for i = 1, #leases, 2 do
      local score = tonumber(string.match(leases[i], '^([^|]+)'))
      redis.call('ZADD', b .. ':requests', score, leases[i + 1])
      requeued = requeued + 1
    end
    redis.call('DEL', b .. ':leases:' .. w)
    redis.call('HDEL', b .. ':busy', w)
    redis.call('ZREM', b .. ':workers', w)
    local seeds = redis.call('HGETALL', b .. ':seeded')
    for i = 1, #seeds, 2 do
      if seeds[i + 1] == w .. '|pending' then redis.call('HDEL', b .. ':seeded', seeds[i]) end
    end
  end
  if #dead > 0 then
    redis.call('HINCRBY', b .. ':info', 'dead_workers', #dead)
    redis.call('HINCRBY', b .. ':info', 'requeued', requeued)
  end
  return requeued
end
-- Close the run: tell the writer (through the items list, after every result), drop its queue.
local function finish(token, status)
  local b = base(token)
  redis.call('HSET', b .. ':info', 'ended_at', now(), 'status', status)
  local info = redis.call('HGETALL', b .. ':info')
  local event = {control = 'end', run = token, status = status}
  for i = 1, #info, 2 do event[info[i]] = info[i + 1] end
  redis.call('RPUSH', prefix .. ':items', cjson.encode(event))
  if redis.call('GET', current) == token then redis.call('DEL', current) end
  redis.call('DEL', b .. ':requests', b .. ':dupefilter', b .. ':busy', b .. ':budget',
             b .. ':budget-urls', b .. ':listings', b .. ':lease-seq')
  for _, k in ipairs({'info', 'workers', 'seeded'}) do
    redis.call('EXPIRE', b .. ':' .. k, ARGV[2])
  end
end
local function pending_seeds(b)
  local seeds = redis.call('HVALS', b .. ':seeded')
  for _, v in ipairs(seeds) do
    if string.sub(v, -8) == '|pending' then return true end
  end
  return false
end
"""

# ARGV: prefix, info ttl, candidate token, worker, worker ttl, selection
_JOIN = """
local token = redis.call('GET', current)
local created = 0
local t = now()
if token then
  local b = base(token)
  reap(b, t - tonumber(ARGV[5]))
  if redis.call('ZCARD', b .. ':workers') == 0 and redis.call('ZCARD', b .. ':requests') == 0
     and not pending_seeds(b) then
    finish(token, 'finished')  -- its last worker died after the last request
    token = nil
  end
end
if not token then
  token = ARGV[3]
  created = 1
  redis.call('SET', current, token)
  redis.call('HSET', base(token) .. ':info', 'started_at', t, 'ttl', ARGV[5],
             'selection', ARGV[6], 'current', current)
end
local b = base(token)
redis.call('ZADD', b .. ':workers', t, ARGV[4])
redis.call('HSET', b .. ':busy', ARGV[4], 1)
redis.call('HINCRBY', b .. ':info', 'workers', 1)
return {token, created}
"""

# ARGV: prefix, info ttl, token, worker ; returns 1 while the run is current
_HEARTBEAT = """
if redis.call('GET', current) ~= ARGV[3] then return 0 end
redis.call('ZADD', base(ARGV[3]) .. ':workers', now(), ARGV[4])
return 1
"""

# ARGV: prefix, info ttl, token, worker, worker ttl
# The worker has nothing in progress: say so, and end the run if nobody has.
_IDLE = """
local token, w = ARGV[3], ARGV[4]
if redis.call('GET', current) ~= token then return 'ended' end
local b = base(token)
local t = now()
redis.call('ZADD', b .. ':workers', t, w)
redis.call('HSET', b .. ':busy', w, 0)
redis.call('DEL', b .. ':leases:' .. w)
reap(b, t - tonumber(ARGV[5]))
if redis.call('ZCARD', b .. ':requests') > 0 then return 'work' end
local busy = redis.call('HVALS', b .. ':busy')
for _, v in ipairs(busy) do
  if v ~= '0' then return 'wait' end
end
if pending_seeds(b) then return 'wait' end
finish(token, 'finished')
return 'done'
"""

# ARGV: prefix, info ttl, token, worker ; give back unfinished leases and leave the run
_LEAVE = """
local token, w = ARGV[3], ARGV[4]
local b = base(token)
local leases = redis.call('HGETALL', b .. ':leases:' .. w)
for i = 1, #leases, 2 do
  redis.call('ZADD', b .. ':requests', tonumber(string.match(leases[i], '^([^|]+)')), leases[i + 1])
end
if #leases > 0 then redis.call('HINCRBY', b .. ':info', 'requeued', #leases / 2) end
redis.call('DEL', b .. ':leases:' .. w)
redis.call('HDEL', b .. ':busy', w)
redis.call('ZREM', b .. ':workers', w)
local seeds = redis.call('HGETALL', b .. ':seeded')
for i = 1, #seeds, 2 do
  if seeds[i + 1] == w .. '|pending' then redis.call('HDEL', b .. ':seeded', seeds[i]) end
end
return #leases / 2
"""

# KEYS: queue, leases, busy, lease counter ; ARGV: worker
_POP = """
local item = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #item == 0 then return false end
redis.call('ZREM', KEYS[1], item[1])
local field = item[2] .. '|' .. redis.call('INCR', KEYS[4])
redis.call('HSET', KEYS[2], field, item[1])
redis.call('HSET', KEYS[3], ARGV[1], 1)
return {field, item[1]}
"""

# KEYS: leases, queue ; ARGV: the lease fields this worker knows of
# Leases this worker does not know of go back in the queue: a pop whose answer was lost.
_RECLAIM = """
local known = {}
for _, field in ipairs(ARGV) do known[field] = true end
local leases = redis.call('HGETALL', KEYS[1])
local back = 0
for i = 1, #leases, 2 do
  if not known[leases[i]] then
    redis.call('ZADD', KEYS[2], tonumber(string.match(leases[i], '^([^|]+)')), leases[i + 1])
    redis.call('HDEL', KEYS[1], leases[i])
    back = back + 1
  end
end
return back
"""

# KEYS: source list, destination list ; ARGV: how many
_MOVE_MANY = """
local items = redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1)
if #items > 0 then
  redis.call('RPUSH', KEYS[2], unpack(items))
  redis.call('LTRIM', KEYS[1], #items, -1)
end
return items
"""


class Membership:
    """This worker's place in the current run: join, heartbeat, idle, leave, seed claims."""

    def __init__(self, server: redis.Redis, settings: BaseSettings, selection: str) -> None:
        self.server = server
        self.selection = selection
        self.current = current_key(selection)
        self.ttl = settings.getfloat("INGEST_REDIS_WORKER_TTL", DEFAULT_WORKER_TTL)
        self.id = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"
        self.keys = RunKeys("")
        self.created = False
        self.seeded: list[str] = []
        scripts = {"join": _JOIN, "beat": _HEARTBEAT, "idle": _IDLE, "leave": _LEAVE}
        self._scripts = {k: server.register_script(_LUA_PRELUDE + v) for k, v in scripts.items()}

    def _call(self, name: str, *args: Any) -> Any:
        return self._scripts[name](keys=[self.current], args=[PREFIX, INFO_TTL, *args])

    def join(self) -> str:
        """Join the current run, or start one; returns its token."""
        token, created = self._call("join", new_token(), self.id, self.ttl, self.selection)
        self.keys = RunKeys(token.decode())
        self.created = bool(created)
        log.info("worker %s joined %s run %s", self.id, "new" if created else "", self.keys.token)
        return self.keys.token

    def heartbeat(self) -> bool:
        """Refresh the heartbeat; False once the run is over."""
        return bool(self._call("beat", self.keys.token, self.id))

    def idle(self) -> str:
        """Report idle: 'work' (queue not empty), 'wait' (others busy), 'done' or 'ended'."""
        state = self._call("idle", self.keys.token, self.id, self.ttl)
        return state.decode() if isinstance(state, bytes) else str(state)

    def leave(self) -> int:
        """Leave the run, giving back unfinished leases; returns how many went back."""
        return int(self._call("leave", self.keys.token, self.id))

    def claim_seed(self, key: str, source: str) -> bool:
        """True for the one worker per run that enqueues ``key``'s discovery pages."""
        mine = f"{self.id}|pending"
        won = self.server.hsetnx(self.keys.seeded, key, mine)
        if not won:  # ours all the same when a call before an outage had claimed it
            won = self.server.hget(self.keys.seeded, key) == mine.encode()
        if won:
            if source not in self.seeded:
                self.seeded.append(source)
            push_event(self.server, "seed", self.keys.token, source=source, worker=self.id)
        return bool(won)

    def seeds_done(self, keys: Iterable[str]) -> None:
        """Discovery of these keys is in the queue: the run may end without this worker."""
        for key in keys:
            self.server.hset(self.keys.seeded, key, f"{self.id}|done")


def push_event(server: redis.Redis, control: str, token: str, **fields: Any) -> None:
    """A run event for the writer, in the same list as the results (so it keeps their order)."""
    event = {"control": control, "run": token, "at": now_iso(), "host": socket.gethostname()}
    server.rpush(ITEMS, json.dumps({**event, **fields}))


# -- worker side: Scrapy components -----------------------------------------------------------


class LeasedQueue(PriorityQueue):
    """scrapy-redis's priority queue, but a pop also leases the request to this worker.

    The lease lasts until the engine is done with the request (downloaded, parsed, every item
    through the pipelines, follow-up requests queued); a dead worker's leases go back in the queue.
    """

    membership: Membership

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.leases: dict[str, Request] = {}
        self._pop = self.server.register_script(_POP)
        self._reclaim = self.server.register_script(_RECLAIM)
        #: A pop failed on the way: Redis may have leased a request whose answer never came.
        self.unsure = False

    def pop(self, timeout: int = 0) -> Request | None:
        m = self.membership
        keys = [self.key, m.keys.leases(m.id), m.keys.busy, m.keys.lease_seq]
        found = self._pop(keys=keys, args=[m.id])
        if not found:
            return None
        field, data = found
        request = self._decode_request(data)
        self.leases[field.decode()] = request
        return request

    def reclaim_lost(self) -> int:
        """After a pop that failed in transit, put back the leases this worker never received
        (Redis ran the pop, then the connection broke before its answer arrived): without
        this, such a request stays leased to a live worker and is never fetched."""
        if not self.unsure:
            return 0
        m = self.membership
        back = int(self._reclaim(keys=[m.keys.leases(m.id), self.key], args=list(self.leases)))
        self.unsure = False
        if back:
            log.warning("Redis: %d request(s) leased by a lost answer put back in the queue", back)
        return back

    def release_done(self, in_progress: set[Request] | None) -> None:
        """End the leases of requests the engine has finished with."""
        if in_progress is None:
            return
        done = [f for f, r in self.leases.items() if r not in in_progress]
        if done:
            m = self.membership
            self.server.hdel(m.keys.leases(m.id), *done)
            for field in done:
                del self.leases[field]


#: The duplicate filter's SADD and the queue's ZADD as one step: KEYS dupefilter, queue;
#: ARGV fingerprint, score, encoded request. 1 when queued, 0 when seen before.
_SEEN_AND_QUEUE = """
if redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[3])
return 1
"""


@dataclass
class _Unqueued:
    """A request the scheduler could not queue yet (Redis unreachable)."""

    request: Request


class DistributedScheduler(Scheduler):
    """scrapy-redis's scheduler on this run's keys, plus run membership and the stop rule."""

    queue: LeasedQueue

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DistributedScheduler:
        settings = crawler.settings
        server = connect(
            settings["INGEST_REDIS_URL"],
            settings.getfloat("INGEST_REDIS_TIMEOUT", DEFAULT_SOCKET_TIMEOUT),
        )
        membership = Membership(server, settings, selection_of(crawler.spider))
        keys = RunKeys(membership.join())
        dupefilter = RFPDupeFilter(
            server, key=keys.dupefilter, debug=settings.getbool("DUPEFILTER_DEBUG")
        )
        scheduler = cls(
            server,
            persist=True,  # the queue is shared: a worker that stops must not clear it
            queue_key=keys.requests,
            dupefilter=dupefilter,
        )
        scheduler.stats = crawler.stats
        scheduler.outage = Outage(
            settings["INGEST_REDIS_URL"],
            settings.getfloat("INGEST_REDIS_OUTAGE", DEFAULT_OUTAGE),
        )
        scheduler._setup(crawler, membership)
        return scheduler

    def enqueue_request(self, request: Request) -> bool:
        """scrapy-redis's, with today's stats API (no spider argument); while Redis is
        unreachable the request waits here (see :meth:`_flush_unqueued`)."""
        waiting = _Unqueued(request)
        if self.unqueued:  # keep the order: earlier ones first
            self.unqueued.append(waiting)
            return True
        try:
            return self._enqueue(waiting)
        except UNREACHABLE as exc:
            self.outage.failed(exc)
            self.unqueued.append(waiting)
            return True

    def _enqueue(self, waiting: _Unqueued) -> bool:
        """Mark the request seen and queue it in one step (a Lua script): with two steps, Redis
        going away between them, or after the first but before its answer, lost the request
        (seen, so never asked again, and never queued)."""
        request = waiting.request
        request.meta[FETCH_ID] = secrets.token_hex(8)  # follows the request if it is re-queued
        if request.dont_filter:
            self.queue.push(request)
        else:
            fingerprint = self.df.request_fingerprint(request)
            data = self.queue._encode_request(request)
            keys = [self.df.key, self.queue.key]
            if not self._seen_and_queue(keys=keys, args=[fingerprint, -request.priority, data]):
                self.df.log(request, self.spider)
                return False
        self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def _flush_unqueued(self) -> None:
        """Queue what waited for Redis, before any lease ends: a request whose follow-ups
        are not in Redis yet must stay leased, so that it is fetched again if we die."""
        while self.unqueued:
            self._enqueue(self.unqueued[0])
            self.unqueued.popleft()

    def next_request(self) -> Request | None:
        try:
            request = self.queue.pop()
        except UNREACHABLE as exc:
            self.queue.unsure = True
            self.outage.failed(exc)
            return None
        if request is not None:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        """Requests in the shared queue or waiting for Redis (unknown while it is away: yes,
        so the spider is not closed by an outage)."""
        if self.unqueued:
            return True
        try:
            return len(self.queue) > 0
        except UNREACHABLE as exc:
            self.outage.failed(exc)
            return True

    def _setup(self, crawler: Crawler, membership: Membership) -> None:
        self.crawler = crawler
        self.membership = membership
        self.max_idle = crawler.settings.getfloat("INGEST_REDIS_MAX_IDLE", 0)
        self.idle_since: float | None = None
        self.state = "work"
        self._stopping: Any = None  # the close requested once Redis stayed away too long
        self.requeued_on_exit = 0
        self.unqueued: deque[_Unqueued] = deque()  # requests waiting for Redis to come back
        self._seen_and_queue = self.server.register_script(_SEEN_AND_QUEUE)
        self._loop = task.LoopingCall(self._tick)
        crawler.signals.connect(self._spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self._spider_opened, signal=signals.spider_opened)

    def open(self, spider: Spider) -> None:
        """scrapy-redis's open, on this run's queue (its resume message uses a removed API)."""
        self.spider = spider
        self.queue = LeasedQueue(server=self.server, spider=spider, key=self.queue_key)
        self.queue.membership = self.membership
        if len(self.queue):
            log.info("joined a run with %d requests queued", len(self.queue))
        # A worker has no database: per-URL state and the run's budgets live in Redis.
        spider.store = RedisUrlState(self.server, self.outage)
        spider.budget = SharedBudget(self.server, self.membership.keys.budget, self.outage)
        spider.listings = SharedBudget(self.server, self.membership.keys.listings, self.outage)

    def close(self, reason: str) -> None:
        if self._loop.running:
            self._loop.stop()
        try:
            if reason != REDIS_LOST:  # else results may be missing: every lease goes back
                self._flush_unqueued()
                self.queue.release_done(set())  # the engine waited for all in progress
            if self.state not in ("done", "ended"):
                self.requeued_on_exit = self.membership.leave()
        except UNREACHABLE as exc:  # what we hold goes back when our heartbeat lapses
            self.outage.failed(exc)
        self.spider.run_row = self.summary(reason)
        super().close(reason)

    def _spider_opened(self, spider: Spider) -> None:
        self._loop.start(TICK, now=False).addErrback(
            lambda f: log.error("worker loop stopped: %s", f.getErrorMessage())
        )

    def _in_progress(self) -> set[Request] | None:
        slot = getattr(self.crawler.engine, "_slot", None)
        return getattr(slot, "inprogress", None)

    def _nudge(self) -> None:
        """Make an idle engine look at the queue now rather than at its 5 s heartbeat."""
        slot = getattr(self.crawler.engine, "_slot", None)
        if slot is not None and slot.closing is None:
            slot.nextcall.schedule()

    def _tick(self) -> None:
        """Every TICK: queue what waited for Redis, end finished leases, heartbeat or report
        idle, and wake the engine when the shared queue has work it has room for (Scrapy
        itself looks every 5 s only). Stops the worker once Redis stayed away too long."""
        engine = self.crawler.engine
        if self._stopping is not None:  # gave up on Redis: no lease may end now
            return
        started = time.monotonic()
        try:
            self._flush_unqueued()
            self.queue.reclaim_lost()
            self.queue.release_done(self._in_progress())
            if engine.spider_is_idle():
                state = self._check_idle()
                self.outage.ok(started)
                if state != "wait":
                    self._nudge()
                return
            if not self.membership.heartbeat():
                self.state = "ended"
            self.outage.ok(started)
            if not engine.needs_backout() and len(self.queue):
                self._nudge()
        except UNREACHABLE as exc:
            self.outage.failed(exc)
            if self.outage.expired and self._stopping is None:
                log.info("%s: stopping", self.outage.message())
                self._stopping = deferred_from_coro(engine.close_spider_async(reason=REDIS_LOST))
        except Exception:  # noqa: BLE001 - the heartbeat must go on, or others take our work
            log.exception("worker tick failed")

    def _check_idle(self) -> str:
        self.queue.release_done(set())
        self.state = self.membership.idle()
        now = time.monotonic()
        if self.state == "wait":
            self.idle_since = self.idle_since or now
            if self.max_idle and now - self.idle_since >= self.max_idle:
                self.state = "left"
        else:
            self.idle_since = None
        return self.state

    def _spider_idle(self, spider: Spider) -> None:
        """Keep an idle worker in the run until it is complete (or INGEST_REDIS_MAX_IDLE)."""
        try:
            state = self._check_idle()
        except UNREACHABLE as exc:  # the tick decides when to give up
            self.outage.failed(exc)
            raise DontCloseSpider from None
        if state == "work":
            self._nudge()
        if state in ("work", "wait"):
            raise DontCloseSpider

    def summary(self, reason: str) -> dict[str, Any]:
        """What this worker did, for ``ingest crawl`` to print."""
        stats = self.crawler.stats
        status = {"shutdown": "interrupted", REDIS_LOST: "failed"}.get(reason, "finished")
        return {
            "message": self.outage.message() if reason == REDIS_LOST else None,
            "distributed": True,
            "run": self.membership.keys.token,
            "worker": self.membership.id,
            "status": status,
            "run_ended": self.state in ("done", "ended"),
            "left_early": self.state == "left",  # INGEST_REDIS_MAX_IDLE: others still busy
            "fetched": stats.get_value("downloader/response_count", 0),
            "queued_results": stats.get_value("ingest/redis_results", 0),
            "seeded": list(self.membership.seeded),
            "requeued_on_exit": self.requeued_on_exit,
        }


def _engine_scheduler(crawler: Crawler) -> DistributedScheduler:
    scheduler = crawler.engine.scheduler
    if not isinstance(scheduler, DistributedScheduler):
        raise RuntimeError("ingest.distributed components need INGEST_REDIS_URL (RedisMode)")
    return scheduler


class SeedOnceMiddleware:
    """Spider middleware: start requests of a source are enqueued by one worker per run."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedOnceMiddleware:
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        scheduler = _engine_scheduler(self.crawler)
        membership = scheduler.membership
        claims: dict[str, bool] = {}
        async for item_or_request in start:
            if isinstance(item_or_request, Request):
                source = item_or_request.meta.get("source") or "?"
                key = seed_key(source, item_or_request)
                if key not in claims:
                    claim = membership.claim_seed
                    claims[key] = await retried(scheduler.outage, claim, key, source)
                if not claims[key]:
                    continue
            yield item_or_request
        won = [k for k, won in claims.items() if won]
        await retried(scheduler.outage, membership.seeds_done, won)


async def retried(outage: Outage, call: Any, *args: Any, thread: bool = False) -> Any:
    """``call(*args)`` (in a thread with ``thread``), run again every second while Redis is
    unreachable, until ``outage`` gives up (then the error is raised: the worker is stopping)."""
    while True:
        started = time.monotonic()
        try:
            result = await asyncio.to_thread(call, *args) if thread else call(*args)
        except UNREACHABLE as exc:
            outage.failed(exc)
            if outage.expired:
                raise
            await asyncio.sleep(1.0)
        else:
            outage.ok(started)
            return result


def seed_key(source: str, request: Request) -> str:
    """Sources are seeded once per run; given article URLs (--url) once per URL."""
    return f"adhoc:{request.url}" if source == "adhoc" else source


class QueuedResult(dict):
    """A result on its way to Redis; short in logs (Scrapy logs scraped items at DEBUG)."""

    def __repr__(self) -> str:
        return f"<{self.get('outcome')} {self.get('url')}>"

    __str__ = __repr__


class RedisResultPipeline:
    """Replaces StorePipeline: each processed result goes to the writer's Redis list.

    The push happens on ``item_scraped``, where Scrapy says which request (or failure) the
    result came from, so the request's fetch id travels with it and the writer stores each fetch
    once. The request stays in progress, and leased, until the push is done: a killed worker
    loses no result. Pushing waits while the list holds more than INGEST_REDIS_MAX_ITEMS results
    (a stopped writer must not make Redis run out of memory) and while Redis is unreachable.
    """

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_items = crawler.settings.getint("INGEST_REDIS_MAX_ITEMS", DEFAULT_MAX_ITEMS)
        self.pushed = 0
        self.waiting = 0  # results in the list after this worker's last push (RPUSH's answer)
        self.pushing = 0  # pushes under way (they run side by side, each in a thread)
        crawler.signals.connect(self._push, signal=signals.item_scraped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedisResultPipeline:
        return cls(crawler)

    def open_spider(self, spider: Spider | None = None) -> None:
        scheduler = _engine_scheduler(self.crawler)
        self.server = scheduler.server
        self.membership = scheduler.membership
        self.outage = scheduler.outage

    def process_item(self, item: dict[str, Any], spider: Spider | None = None) -> QueuedResult:
        return QueuedResult((k, v) for k, v in item.items() if k != "type")

    async def _push(self, item: Any, response: Any, spider: Spider) -> None:
        if not isinstance(item, QueuedResult):
            return
        request = getattr(response, "request", None)
        fetch = request.meta.get(FETCH_ID) if request is not None else None
        data = encode_result(self.membership.keys.token, self.membership.id, fetch, item)
        try:
            # Checked before pushing, counting the pushes under way: results in flight wait
            # here instead of all landing at once, so this worker never takes the list past
            # the limit, and Scrapy fetches no more while their responses are held.
            await self._wait_for_writer()
            self.pushing += 1  # no await since the check: no other push slipped in between
            try:
                length = await self._redis(self.server.rpush, ITEMS, data)
                self.waiting = max(self.waiting, length)  # answers may come back out of order
            finally:
                self.pushing -= 1
        except UNREACHABLE:  # the worker is stopping; the request's lease goes back
            log.debug("result of %s not pushed: Redis unreachable", item.get("url"))
            return
        self.pushed += 1
        self.crawler.stats.inc_value("ingest/redis_results")

    async def _redis(self, call: Any, *args: Any) -> Any:
        """Run a Redis call off the reactor thread; while Redis is unreachable, hold the result
        and retry (the request stays leased meanwhile) until the outage limit."""
        return await retried(self.outage, call, *args, thread=True)

    async def _wait_for_writer(self) -> None:
        """While INGEST_REDIS_MAX_ITEMS results wait for the writer, wait (a stopped writer
        must not make Redis run out of memory). Known from the last push's answer, so the
        list's length is only read again once it reached the limit."""
        warned = False
        while self.waiting + self.pushing >= self.max_items:
            self.waiting = await self._redis(self.server.llen, ITEMS)
            if self.waiting + self.pushing < self.max_items:
                break
            if not warned:
                log.warning("%d results wait for `ingest drain`; pausing", self.waiting)
                warned = True
            await asyncio.sleep(1.0)


class RedisUrlState:
    """What earlier runs stored per URL, from the writer's Redis mirror of the ``urls`` table.

    Stands in for the read-only Store the spider uses locally (only ``url_state`` is needed).
    While Redis is unreachable every URL looks new: fetched once more rather than lost.
    """

    def __init__(self, server: redis.Redis, outage: Outage | None = None) -> None:
        self.server = server
        self.outage = outage

    def url_state(self, url: str) -> dict[str, Any] | None:
        try:
            raw = self.server.hget(URL_STATES, url)
        except UNREACHABLE as exc:
            if self.outage is None:
                raise
            self.outage.failed(exc)
            return None
        return json.loads(raw) if raw else None

    def close(self) -> None:
        """Nothing to close: the connection belongs to the scheduler."""


class SharedBudget:
    """A per-source counter of the run shared by all its workers: the spider's ``budget``
    (max_articles) and ``listings`` (INGEST_MAX_LISTING_PAGES), ``counter[source] += 1``.

    While Redis is unreachable the worker counts on its own and adds its count when it is back.
    """

    def __init__(self, server: redis.Redis, key: str, outage: Outage | None = None) -> None:
        self.server = server
        self.key = key
        self.outage = outage
        self._read: dict[str, int] = {}
        self._unsent: Counter[str] = Counter()  # counted while Redis was away

    def __getitem__(self, source: str) -> int:
        try:
            value = int(self.server.hget(self.key, source) or 0) + self._unsent[source]
        except UNREACHABLE as exc:
            self._unreachable(exc)
            value = self._read.get(source, 0)
        self._read[source] = value
        return value

    def __setitem__(self, source: str, value: int) -> None:
        delta = value - self._read.get(source, 0) + self._unsent[source]
        try:
            self._read[source] = int(self.server.hincrby(self.key, source, delta))
            self._unsent[source] = 0
        except UNREACHABLE as exc:
            self._unreachable(exc)
            self._read[source] = value
            self._unsent[source] = delta

    def claim(self, source: str, url: str) -> bool:
        """Count ``url`` against ``source``'s budget unless a worker already did this run
        (a URL named by the feed, the sitemap and a page is one article to fetch)."""
        try:
            if not self.server.sadd(f"{self.key}-urls", f"{source}\t{url}"):
                return False
        except UNREACHABLE as exc:
            self._unreachable(exc)  # counted here; the queue's dupefilter catches a repeat
        self[source] += 1
        return True

    def _unreachable(self, exc: Exception) -> None:
        if self.outage is None:
            raise exc
        self.outage.failed(exc)


# -- results on the wire ------------------------------------------------------------------------


def encode_result(token: str, worker: str, fetch: str | None, result: dict[str, Any]) -> bytes:
    """JSON (not pickle: the writer never runs code from Redis); raw HTML as base64."""
    result = dict(result)
    if result.get("html_gz") is not None:
        result["html_gz"] = base64.b64encode(result["html_gz"]).decode("ascii")
    envelope = {"run": token, "worker": worker, "fetch": fetch, "result": result}
    return json.dumps(envelope).encode("utf-8")


def decode_message(raw: bytes) -> dict[str, Any]:
    """A result envelope or a run event; ``result`` becomes a PageResult."""
    message = json.loads(raw)
    if "result" in message:
        fields = dict(message["result"])
        if fields.get("html_gz") is not None:
            fields["html_gz"] = base64.b64decode(fields["html_gz"])
        known = PageResult.__dataclass_fields__
        message["result"] = PageResult(**{k: v for k, v in fields.items() if k in known})
    return message


# -- the writer -------------------------------------------------------------------------------


@dataclass
class DrainStats:
    """What a drain stored, for its summary line."""

    results: int = 0
    replayed: int = 0  # skipped: already in the fetch log (a writer restart or a re-fetch)
    batches: int = 0
    runs_finished: int = 0


class Drain:
    """The single writer: Redis results -> SQLite, in batches, through a processing list.

    A batch is stored in segments (consecutive results of one run, or one run event), each in
    one transaction. Before a segment's commit the writer notes ``max(fetch_log.id)`` in Redis;
    after it, it records the segment's fetch ids as applied and trims the segment off the
    processing list. A restarted writer that finds the high-water mark passed knows that the
    segment at the head of the processing list was committed and only finishes its bookkeeping:
    nothing is stored twice, nothing is lost, and no extra table is needed.
    """

    def __init__(
        self, server: redis.Redis, db: str | Path, *, batch: int = 200, url: str = "Redis"
    ) -> None:
        self.server = server
        self.url = url  # named when Redis is unreachable
        self.db = db
        self.batch = batch
        self.id = f"{socket.gethostname()}:{os.getpid()}"
        self.stats = DrainStats()
        self.store: Store | None = None
        self.db_lock = DbLock(db, role="writer")
        self.stopping = False  # set by stop(): end after the batch in hand
        self.mirrored = False  # the Redis mirror holds the whole urls table (sync_url_states)
        self._runs: dict[str, int] = {}
        self._move = server.register_script(_MOVE_MANY)
        self.outage = DEFAULT_OUTAGE  # seconds to wait for an unreachable Redis

    # lifecycle

    def __enter__(self) -> Drain:
        """Take both locks: the queue's (one drain per Redis) and the database's (no local
        crawl writes it meanwhile)."""
        self._lock()
        try:
            self.db_lock.acquire()
            self.store = Store(self.db)
        except BaseException:
            self._unlock()
            self.db_lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.store is not None:
            if exc[0] is None and self.mirrored:
                with contextlib.suppress(*UNREACHABLE):
                    self.server.set(URL_STATES_SYNCED, self._mirror_marker())
            self.store.close()
        self.db_lock.release()
        self._unlock()

    def _unlock(self) -> None:
        try:
            if self.server.get(WRITER) == self.id.encode():
                self.server.delete(WRITER)
        except UNREACHABLE:  # gone with Redis, or expires WRITER_TTL after this process
            log.warning("writer lock not released: Redis unreachable")

    def _lock(self) -> None:
        """One writer per queue: a second drain would interleave the processing list."""
        if self.server.set(WRITER, self.id, nx=True, ex=WRITER_TTL):
            return
        holder = (self.server.get(WRITER) or b"?").decode()
        if _dead_here(holder) and self._take_over(holder):
            log.warning("took over the writer lock of %s (that process is gone)", holder)
            return
        raise LockedError(  # exit 75 as for a second writer on a database: cron tries later
            f"another `ingest drain` ({holder}) is writing this queue; run only one writer "
            f"per Redis database (its lock expires {WRITER_TTL} s after it dies)"
        )

    def _take_over(self, holder: str) -> bool:
        swap = "if redis.call('GET', KEYS[1]) == ARGV[1] then "
        swap += "return redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end return false"
        return bool(self.server.eval(swap, 1, WRITER, holder, self.id, WRITER_TTL))

    def _refresh_lock(self) -> None:
        self.server.set(WRITER, self.id, ex=WRITER_TTL)

    def run(self, *, idle_exit: float = 0, progress: Any = None) -> DrainStats:
        """Recover, then store results as they come; with ``idle_exit`` stop after that many
        seconds without results while no run is active."""
        assert self.store is not None, "use Drain as a context manager"
        self.sync_url_states()
        self.server.delete(URL_STATES_SYNCED)  # in flux until this writer stops cleanly
        self.recover()
        quiet_since = time.monotonic()
        outage = Outage(self.url, self.outage)
        while not self.stopping:
            try:
                if outage.since is not None:
                    # Back (or still away: this raises again). The batch the outage cut short
                    # is at the head of the processing list: it must be finished before a new
                    # batch is moved behind it, whose trim would take the head's entries.
                    self.recover()
                    outage.ok()
                self._refresh_lock()
                stored = self.step(timeout=1.0)
                done = not stored and idle_exit and self._idle_for(quiet_since, idle_exit)
            except UNREACHABLE as exc:
                self._ride_out(outage, exc)
                continue
            if stored:
                quiet_since = time.monotonic()
                if progress:
                    progress(self.stats)
            elif done:
                break
        return self.stats

    def _idle_for(self, since: float, seconds: float) -> bool:
        return time.monotonic() - since >= seconds and self._all_done()

    def _ride_out(self, outage: Outage, exc: Exception) -> None:
        """Redis went away (a restart, the network): wait for it as a worker does. A batch cut
        short stays in the processing list and is finished by :meth:`recover`, without storing
        anything twice. Past the outage limit the drain stops with one line."""
        outage.failed(exc)
        if outage.expired:
            raise UserError(
                outage.message("the drain stopped; everything it stored is kept: start it again")
            ) from None
        time.sleep(1.0)

    def stop(self) -> None:
        """Stop after the batch being stored (SIGTERM, Ctrl-C); safe from a signal handler."""
        self.stopping = True

    def _all_done(self) -> bool:
        """No result waiting and no live worker that could push more."""
        return not self.server.llen(ITEMS) and active_run(self.server) is None

    def recover(self) -> int:
        """Finish what a killed writer left in the processing list; returns how many."""
        raws = self.server.lrange(PROCESSING, 0, -1)
        if not raws:
            return 0
        log.warning("recovering %d results left by a stopped writer", len(raws))
        mark = json.loads(self.server.get(WRITE_MARK) or "null")
        if mark and self._max_fetch_id() > mark["fetch_log_max"]:  # that segment is committed
            done = raws[: mark["count"]]
            self._applied(mark["run"], [m.get("fetch") for m in map(decode_message, done)])
            self._trim(len(done))
            self.stats.replayed += len(done)
            raws = raws[len(done) :]
        self._write(raws)
        return len(raws)

    def step(self, timeout: float = 1.0) -> int:
        """Move one batch to the processing list and store it."""
        first = self.server.blmove(ITEMS, PROCESSING, timeout, "LEFT", "RIGHT")
        if first is None:
            return 0
        raws = [first, *self._move(keys=[ITEMS, PROCESSING], args=[self.batch - 1])]
        self._write(raws)
        return len(raws)

    def _write(self, raws: list[bytes]) -> None:
        """Store ``raws`` (the head of the processing list) segment by segment."""
        messages = [decode_message(raw) for raw in raws]
        start = 0
        while start < len(messages):
            head = messages[start]
            if "result" not in head:
                self._event(head)
                self._trim(1)
                start += 1
                continue
            end = start + 1
            while end < len(messages) and messages[end].get("run") == head["run"]:
                if "result" not in messages[end]:
                    break
                end += 1
            self._store_segment(head["run"], messages[start:end])
            start = end
        self.stats.batches += 1

    def _store_segment(self, token: str, messages: list[dict[str, Any]]) -> None:
        assert self.store is not None
        run_id = self._run_id(token)
        fetches = [m.get("fetch") for m in messages]
        fresh = self._not_applied(token, messages)
        self.stats.replayed += len(messages) - len(fresh)
        if fresh:
            mark = {"run": token, "count": len(messages), "fetch_log_max": self._max_fetch_id()}
            self.server.set(WRITE_MARK, json.dumps(mark))
            self.store.write_batch(run_id, [m["result"] for m in fresh])
            self.stats.results += len(fresh)
        self._applied(token, fetches)
        self._trim(len(messages))
        if fresh:
            self._mirror([m["result"].url for m in fresh])

    def _not_applied(self, token: str, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Drop results of fetches already stored: a fetch re-done after its worker died, or
        a result stored by a writer that was killed before it could trim the processing list."""
        ids = [m.get("fetch") for m in messages]
        known = set()
        if any(ids):
            flags = self.server.smismember(RunKeys(token).applied, [i or "-" for i in ids])
            known = {i for i, flag in zip(ids, flags, strict=True) if i and flag}
        fresh, seen = [], set()
        for message, fetch in zip(messages, ids, strict=True):
            if fetch and (fetch in known or fetch in seen):
                continue
            seen.add(fetch)
            fresh.append(message)
        return fresh

    def _applied(self, token: str, fetches: list[str | None]) -> None:
        ids = [f for f in fetches if f]
        if ids:
            key = RunKeys(token).applied
            self.server.sadd(key, *ids)
            self.server.expire(key, INFO_TTL)

    def _trim(self, count: int) -> None:
        """Drop the committed head of the processing list, and the high-water mark with it."""
        with self.server.pipeline() as pipe:
            pipe.ltrim(PROCESSING, count, -1)
            pipe.delete(WRITE_MARK)
            pipe.execute()

    def _max_fetch_id(self) -> int:
        assert self.store is not None
        return int(self.store.db.execute("SELECT max(id) FROM fetch_log").fetchone()[0] or 0)

    # runs

    def _run_id(self, token: str) -> int:
        """The ``runs`` row of a distributed run, created when the writer first hears of it.

        Found again by a restarted writer through Redis (``ingest:writer:runs``) or, should the
        writer die between the insert and that note, through the row's message."""
        if token in self._runs:
            return self._runs[token]
        assert self.store is not None
        db = self.store.db
        marker = RUN_MESSAGE.format(token=token)
        noted = self.server.hget(WRITER_RUNS, token)
        row = (
            db.execute("SELECT id FROM runs WHERE id = ?", [int(noted)]).fetchone()
            if noted
            else None
        ) or db.execute(
            "SELECT id FROM runs WHERE message = ? OR message LIKE ? ORDER BY id LIMIT 1",
            [marker, marker + ":%"],
        ).fetchone()
        with db.conn:
            db.conn.execute("BEGIN IMMEDIATE")
            if row is None:  # one transaction: a run row always carries its token
                table = db["runs"]
                table.insert(
                    {
                        "started_at": now_iso(),
                        "status": "running",
                        "pid": os.getpid(),
                        "host": socket.gethostname(),
                        "sources": "[]",
                        "message": marker,
                    }
                )
                run_id = int(table.last_pk)
            else:  # a restarted writer owns the run now
                run_id = int(row[0])
                db.conn.execute(
                    "UPDATE runs SET status = 'running', pid = ?, host = ? "
                    "WHERE id = ? AND status != 'finished'",
                    [os.getpid(), socket.gethostname(), run_id],
                )
        self._runs[token] = run_id
        self.server.hset(WRITER_RUNS, token, run_id)
        self.db_lock.set_run(run_id)
        return run_id

    def _event(self, event: dict[str, Any]) -> None:
        """Run events are idempotent: a replayed one changes nothing."""
        assert self.store is not None
        token = event["run"]
        run_id = self._run_id(token)
        db = self.store.db
        if event["control"] == "seed":
            sources = json.loads(db["runs"].get(run_id)["sources"] or "[]")
            if event.get("source") and event["source"] not in sources:
                sources.append(event["source"])
                with db.conn:
                    db.conn.execute("BEGIN IMMEDIATE")
                    db["runs"].update(run_id, {"sources": json.dumps(sources)})
        elif event["control"] == "end":
            self._finish(run_id, token, event)

    def _finish(self, run_id: int, token: str, event: dict[str, Any]) -> None:
        """Close the run as a local crawl closes its own: counts, health, alerts."""
        assert self.store is not None
        workers = int(event.get("workers") or 0)
        dead = int(event.get("dead_workers") or 0)
        requeued = int(event.get("requeued") or 0)
        message = f"{RUN_MESSAGE.format(token=token)}: {workers} workers"
        if dead or requeued:
            message += f", {dead} lost, {requeued} requests re-queued"
        health, alerts = assess(self.store, run_id)
        for line in alerts:
            log.warning("health: %s", line)
        status = event.get("status") or "finished"
        if alerts and status == "finished":
            status = DEGRADED
        message = "; ".join([message, *alerts])
        self.store.finish_run(run_id, status, health=health, message=message)
        started = _iso(event.get("started_at"))
        if started:
            with self.store.db.conn:
                self.store.db.conn.execute("BEGIN IMMEDIATE")
                self.store.db["runs"].update(run_id, {"started_at": started})
        self.stats.runs_finished += 1

    # the per-URL state mirror the workers read

    def _mirror(self, urls: list[str]) -> None:
        assert self.store is not None
        rows = _url_rows(self.store, urls)
        if rows:
            self.server.hset(URL_STATES, mapping={r["url"]: json.dumps(r) for r in rows})

    def _mirror_marker(self) -> str:
        """Which database the mirror copies, and how far: a writer that finds another marker
        (another database, writes by a local crawl, or none: a writer died) copies the table
        again. Removed while a writer runs, set when it stops."""
        assert self.store is not None
        count, last = self.store.db.execute(
            "SELECT count(*), max(last_fetched) FROM urls"
        ).fetchone()
        return f"{Path(self.db).resolve()}|{count}|{last}"

    def sync_url_states(self) -> int:
        """Copy the ``urls`` table to Redis unless the mirror already matches this database."""
        assert self.store is not None
        db = self.store.db
        marker = self._mirror_marker()
        self.mirrored = True
        if (self.server.get(URL_STATES_SYNCED) or b"").decode() == marker:
            return 0
        self.server.delete(URL_STATES)
        cursor = db.execute("SELECT * FROM urls")
        names = [c[0] for c in cursor.description]
        while rows := cursor.fetchmany(2000):
            mapping = {r[0]: json.dumps(dict(zip(names, r, strict=True))) for r in rows}
            self.server.hset(URL_STATES, mapping=mapping)
        self.server.set(URL_STATES_SYNCED, marker)
        return int(marker.split("|")[-2])


def _dead_here(holder: str) -> bool:
    """True when ``holder`` (host:pid) is a process of this machine that no longer runs."""
    host, _, pid = holder.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _url_rows(store: Store, urls: list[str]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for start in range(0, len(urls), 500):
        chunk = urls[start : start + 500]
        cursor = store.db.execute(
            f"SELECT * FROM urls WHERE url IN ({','.join('?' * len(chunk))})", chunk
        )
        names = [c[0] for c in cursor.description]
        out.extend(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    return out


def _iso(epoch: Any) -> str | None:
    try:
        return datetime.fromtimestamp(float(epoch), UTC).isoformat(timespec="seconds")
    except (TypeError, ValueError):
        return None


def current_runs(server: redis.Redis) -> list[RunKeys]:
    """The current run of every selection."""
    keys = sorted(server.scan_iter(match=CURRENT + "*", count=1000))
    tokens = [server.get(k) for k in keys]
    return [RunKeys(t.decode()) for t in tokens if t]


def active_run(server: redis.Redis) -> str | None:
    """The token of a current run with at least one live worker, if any."""
    now = _redis_now(server)
    for keys in current_runs(server):
        ttl = float(server.hget(keys.info, "ttl") or DEFAULT_WORKER_TTL)
        if server.zcount(keys.workers, now - ttl, "+inf"):
            return keys.token
    return None


def _redis_now(server: redis.Redis) -> float:
    seconds, micros = server.time()
    return seconds + micros / 1e6


# -- status -----------------------------------------------------------------------------------


def status(server: redis.Redis) -> dict[str, Any]:
    """Queue lengths and who is working, for ``ingest drain --status``."""
    now = _redis_now(server)
    return {
        "results_waiting": server.llen(ITEMS),
        "results_processing": server.llen(PROCESSING),
        "writer": (server.get(WRITER) or b"").decode() or None,
        "url_states": server.hlen(URL_STATES),
        "runs": [_run_status(server, keys, now) for keys in current_runs(server)],
    }


def _run_status(server: redis.Redis, keys: RunKeys, now: float) -> dict[str, Any]:
    info = {k.decode(): v.decode() for k, v in server.hgetall(keys.info).items()}
    ttl = float(info.get("ttl") or DEFAULT_WORKER_TTL)
    busy = {k.decode(): v.decode() for k, v in server.hgetall(keys.busy).items()}
    workers = []
    for member, beat in server.zrange(keys.workers, 0, -1, withscores=True):
        name = member.decode()
        workers.append(
            {
                "worker": name,
                "heartbeat_age": round(now - beat, 1),
                "alive": now - beat < ttl,
                "busy": busy.get(name) == "1",
                "leases": server.hlen(keys.leases(name)),
            }
        )
    return {
        "token": keys.token,
        "selection": info.get("selection"),
        "started_at": _iso(info.get("started_at")),
        "requests_queued": server.zcard(keys.requests),
        "requests_seen": server.scard(keys.dupefilter),
        "seeded": {k.decode(): v.decode() for k, v in server.hgetall(keys.seeded).items()},
        "workers": workers,
        "requeued": int(info.get("requeued") or 0),
        "dead_workers": int(info.get("dead_workers") or 0),
    }


def format_status(data: dict[str, Any]) -> str:
    """The status as a few human lines."""
    lines = [] if data["runs"] else ["no run in progress"]
    for run in data["runs"]:
        live = [w for w in run["workers"] if w["alive"]]
        lines.append(
            f"run {run['token']} ({run['selection']}) since {run['started_at']}: "
            f"{run['requests_queued']} requests "
            f"queued, {run['requests_seen']} seen, {len(live)} live workers"
            + (
                f", {run['dead_workers']} lost ({run['requeued']} re-queued)"
                if run["dead_workers"]
                else ""
            )
        )
        for w in run["workers"]:
            state = ("busy" if w["busy"] else "idle") if w["alive"] else "dead?"
            lines.append(
                f"  {w['worker']}: {state}, {w['leases']} requests in progress, "
                f"heartbeat {w['heartbeat_age']} s ago"
            )
        if run["seeded"]:
            lines.append("  seeded: " + ", ".join(sorted(run["seeded"])))
    writer = data["writer"] or "none running"
    lines.append(
        f"results waiting for the writer: {data['results_waiting']} "
        f"(+{data['results_processing']} being stored); writer: {writer}"
    )
    lines.append(f"per-URL states mirrored for workers: {data['url_states']}")
    return "\n".join(lines)


def worker_summary(row: dict[str, Any]) -> str:
    """One line for ``ingest crawl --redis``."""
    text = (
        f"worker {row['worker']} in run {row['run']}: {row['status']}, {row['fetched']} URLs "
        f"fetched, {row['queued_results']} results queued for `ingest drain`"
    )
    if row["seeded"]:
        text += f", seeded {', '.join(row['seeded'])}"
    if row["requeued_on_exit"]:
        text += f", {row['requeued_on_exit']} unfinished requests put back in the queue"
    if row["run_ended"]:
        text += "; run complete"
    elif row["left_early"]:
        text += "; left the run idle (INGEST_REDIS_MAX_IDLE), other workers go on"
    return text
