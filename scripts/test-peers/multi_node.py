#!/usr/bin/env python3
"""The multi-node test: several Tenantry processes on one PostgreSQL behind haproxy.

    python3 scripts/test-peers/multi_node.py --binary PATH [--only NAME[,NAME]] [--keep-logs]
        [--haproxy PATH] [--psql PATH] [--rate-limit-quota N] [--rate-limit-seconds S]

Usually run through scripts/multi-node-test, which finds haproxy and psql and, run alone,
starts a throwaway PostgreSQL. Reads TENANTRY_TEST_POSTGRES_{ADMIN,OWNER,RUNTIME}_URL.

It makes its own database on that cluster (owned by the owner role), migrates it, and starts
on free 127.0.0.1 ports three `tenantry serve --no-workers` nodes, two `tenantry worker`
processes, the project's test SMTP server (smtp_server.py) and one haproxy in front of the
nodes (round robin, health checks on /health/ready). Then it checks, one PASS or FAIL line each:

  revocation       a session signed out, a session revoked and an API key deleted through one
                   node are refused (401) by every node, each asked directly, within 1 s
  rate-limit       a tenant's requests through haproxy are admitted within 10 % of the
                   configured rate over all nodes: quota + quota/60 × elapsed (GCRA, burst =
                   quota; docs/decisions/0016)
  jobs-once        N registrations give exactly N verification emails, none twice, with two
                   workers claiming jobs
  kill-node        SIGKILL of a node under a load of writes with Idempotency-Key, retried by the
                   clients until they succeed: every write exists exactly once afterwards
  rolling-restart  every node restarted in turn with SIGTERM under reads and writes: no request
                   fails

and ends with `multi-node: N passed, M failed` (exit status 1 when any failed). Everything it
started, and its database, is removed on exit, on failure too.
"""
import argparse
import base64
import collections
import glob
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse
import uuid

PROPERTIES = ("revocation", "rate-limit", "jobs-once", "kill-node", "rolling-restart")

NODE_COUNT = 3
WORKER_COUNT = 2
CHECK_INTERVAL_MS = 250  # haproxy's health check interval
CHECK_FALL = 2  # failed checks before haproxy takes a node out
CHECK_RISE = 2  # passed checks before it takes one back
# Readiness answers 503 this long before the listener closes: above the time haproxy needs to
# see it (CHECK_FALL checks, CHECK_INTERVAL_MS apart, plus a check's own time). --shutdown-delay
# changes it, e.g. to 0 to see what a rolling restart does without it.
SHUTDOWN_DELAY = 1.5
IDEMPOTENCY_LOCK_TIMEOUT = 10
PASSWORD = "multi-node password 7"  # for throwaway accounts; never printed
MAIL_DOMAIN = "multi-node.test"
HERE = os.path.dirname(os.path.abspath(__file__))

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)


class Failure(Exception):
    """A property does not hold, or the cluster could not be set up; the message says why."""


def say(text):
    print(text, flush=True)


# --- HTTP ------------------------------------------------------------------------------------


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-cased names
        self.body = body

    def json(self):
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def code(self):
        """The problem's `code`, or None."""
        document = self.json()
        return document.get("code") if isinstance(document, dict) else None

    @property
    def node(self):
        """The node that answered, as haproxy names it (X-Tenantry-Node), or None."""
        return self.headers.get("x-tenantry-node")

    def describe(self):
        code = self.code
        return f"{self.status}" + (f" {code}" if code else "")


class Client:
    """A keep-alive HTTP connection to one loopback port, for one thread at a time."""

    def __init__(self, port, timeout=10.0):
        self.port = port
        self.timeout = timeout
        self.connection = None

    def request(self, method, path, body=None, headers=None):
        """One request; raises OSError or HTTPException when no response came."""
        payload = None if body is None else json.dumps(body).encode()
        all_headers = {"Accept": "application/json"}
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        if self.connection is None:
            self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        try:
            self.connection.request(method, path, body=payload, headers=all_headers)
            raw = self.connection.getresponse()
            data = raw.read()
        except TRANSPORT_ERRORS:
            self.close()
            raise
        response = Response(raw.status, {name.lower(): value for name, value in raw.getheaders()}, data)
        if raw.will_close:
            self.close()
        return response

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def call(port, method, path, body=None, headers=None, timeout=10.0):
    """One request on its own connection."""
    client = Client(port, timeout)
    try:
        return client.request(method, path, body, headers)
    finally:
        client.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def expect(response, status, what):
    if response.status != status:
        raise Failure(f"{what}: expected {status}, got {response.describe()} (node {response.node or '?'})")
    return response.json()


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout, interval=0.05):
    """Calls predicate until it returns something true or timeout seconds pass; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# --- PostgreSQL --------------------------------------------------------------------------------


def database_url(cluster_url, name):
    """The cluster URL with another database (as bench/lib.sh's db_url)."""
    parts = urllib.parse.urlsplit(cluster_url)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, "/" + name, "sslmode=disable", ""))


class Database:
    """A database of its own on the test cluster, owned by the owner role; dropped by drop()."""

    def __init__(self, psql):
        self.psql = psql
        self.admin_url = os.environ["TENANTRY_TEST_POSTGRES_ADMIN_URL"]
        self.owner_url = os.environ["TENANTRY_TEST_POSTGRES_OWNER_URL"]
        self.runtime_url = os.environ["TENANTRY_TEST_POSTGRES_RUNTIME_URL"]
        self.name = "tenantry_multinode_" + uuid.uuid4().hex[:12]
        self.created = False

    def sql(self, statement):
        result = subprocess.run(
            [self.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-At", "-c", statement, self.admin_url],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            raise Failure(f"psql failed ({statement.split()[0]} …): {result.stderr.strip()}")
        return result.stdout

    def create(self):
        owner = urllib.parse.unquote(urllib.parse.urlsplit(self.owner_url).username)
        self.sql(f'CREATE DATABASE {self.name} OWNER "{owner}"')
        self.created = True

    def drop(self):
        if self.created:
            self.sql(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            self.created = False

    @property
    def runtime(self):
        return database_url(self.runtime_url, self.name)

    @property
    def owner(self):
        return database_url(self.owner_url, self.name)


# --- processes -------------------------------------------------------------------------------


def spawn(command, log_path, env=None, stdin=subprocess.DEVNULL, stdout=None):
    """Starts a child that dies with this process (setpriv --pdeathsig), in its own process
    group, writing to log_path."""
    prefix = ["setpriv", "--pdeathsig", "KILL"] if shutil.which("setpriv") else []
    log = open(log_path, "ab")
    try:
        return subprocess.Popen(
            prefix + command, stdin=stdin, stdout=stdout or log, stderr=log, env=env, start_new_session=True)
    finally:
        log.close()


def stop_process(process, sig=signal.SIGTERM, timeout=10.0):
    """Signals a child and waits; kills it after timeout. Returns its exit status."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def tail(path, lines=15):
    try:
        with open(path, errors="replace") as handle:
            return "".join(collections.deque(handle, lines))
    except OSError:
        return ""


class Cluster:
    """The processes of the test: nodes, workers, the SMTP server and haproxy."""

    def __init__(self, options, workdir, database):
        self.options = options
        self.workdir = workdir
        self.database = database
        self.master_key = base64.b64encode(os.urandom(32)).decode()
        self.node_ports = [free_port() for _ in range(NODE_COUNT)]
        self.node_names = [f"node{index + 1}" for index in range(NODE_COUNT)]
        self.nodes = [None] * NODE_COUNT
        self.workers = []
        self.haproxy = None
        self.haproxy_port = free_port()
        self.stats_socket = os.path.join(workdir, "haproxy.sock")
        self.smtp = None
        self.smtp_port = None
        self.maildir = os.path.join(workdir, "mail")
        self.generation = collections.Counter()  # starts per node, for log names

    # -- configuration --

    def environment(self, helo):
        """The settings every process shares (docs/several-nodes.md), plus the HELO name that
        tells the SMTP server which worker sent a message."""
        env = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
        env.update({
            "TENANTRY_DATABASE_URL": self.database.runtime,
            "TENANTRY_DATABASE_POOL_SIZE": "10",
            "TENANTRY_MASTER_KEY": self.master_key,
            "TENANTRY_PUBLIC_URL": self.public_url,
            "TENANTRY_LOG_FORMAT": "json",
            "TENANTRY_LOG_LEVEL": "info",
            "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
            "TENANTRY_ACCESS_TOKEN_TTL": "3600",
            "TENANTRY_SHUTDOWN_DELAY": str(self.options.shutdown_delay),
            "TENANTRY_SHUTDOWN_TIMEOUT": "10",
            # A request cut off by the SIGKILL holds its Idempotency-Key this long.
            "TENANTRY_IDEMPOTENCY_LOCK_TIMEOUT": str(IDEMPOTENCY_LOCK_TIMEOUT),
            "TENANTRY_EMAIL_URL": f"smtp://127.0.0.1:{self.smtp_port}?from=noreply%40{MAIL_DOMAIN}&tls=none&helo={helo}",
        })
        return env

    @property
    def public_url(self):
        return f"http://127.0.0.1:{self.haproxy_port}"

    def run_command(self, arguments, stdin_text=None, extra_env=None):
        env = self.environment("cli")
        env.update(extra_env or {})
        result = subprocess.run(
            [self.options.binary] + arguments, input=stdin_text, capture_output=True, text=True, env=env, timeout=120)
        if result.returncode != 0:
            output = (result.stdout + result.stderr).strip().splitlines()[-10:]
            raise Failure(f"tenantry {arguments[0]} failed ({result.returncode}):\n  " + "\n  ".join(output))
        return result.stdout

    # -- start-up --

    def start(self):
        self.start_smtp()
        self.run_command(["migrate"], extra_env={"TENANTRY_DATABASE_OWNER_URL": self.database.owner})
        # One process creates the first signing key, so the nodes never race to make one each.
        self.run_command(["keys", "list"])
        self.write_haproxy_config()
        for index in range(NODE_COUNT):
            self.start_node(index)
        for index in range(WORKER_COUNT):
            self.start_worker(index)
        for index in range(NODE_COUNT):
            self.wait_ready(index)
        config = os.path.join(self.workdir, "haproxy.cfg")
        checked = subprocess.run([self.options.haproxy, "-c", "-q", "-f", config], capture_output=True, text=True)
        if checked.returncode != 0:
            raise Failure(f"haproxy refuses its configuration: {(checked.stdout + checked.stderr).strip()}")
        self.haproxy = spawn([self.options.haproxy, "-db", "-f", config], os.path.join(self.workdir, "haproxy.log"))
        for name in self.node_names:
            self.wait_haproxy(name, "UP", 10)
        self.check_workers_alive()

    def start_smtp(self):
        os.makedirs(self.maildir, exist_ok=True)
        self.smtp = spawn(
            [sys.executable, os.path.join(HERE, "smtp_server.py"), "--port", "0", "--maildir", self.maildir,
             "--exit-on-stdin-eof"],
            os.path.join(self.workdir, "smtp.log"), stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        line = self.smtp.stdout.readline().decode().strip()
        if not line.isdigit():
            raise Failure(f"the SMTP server did not start:\n{tail(os.path.join(self.workdir, 'smtp.log'))}")
        self.smtp_port = int(line)

    def node_log(self, index):
        return os.path.join(self.workdir, f"{self.node_names[index]}-{self.generation[index]}.log")

    def start_node(self, index):
        self.generation[index] += 1
        env = self.environment(self.node_names[index])
        env.update({"TENANTRY_HOST": "127.0.0.1", "TENANTRY_PORT": str(self.node_ports[index])})
        self.nodes[index] = spawn([self.options.binary, "serve", "--no-workers"], self.node_log(index), env=env)

    def start_worker(self, index):
        name = f"worker{index + 1}"
        self.workers.append(spawn([self.options.binary, "worker"], os.path.join(self.workdir, f"{name}.log"),
                                  env=self.environment(name)))

    def check_workers_alive(self):
        for index, worker in enumerate(self.workers):
            if worker.poll() is not None:
                log = os.path.join(self.workdir, f"worker{index + 1}.log")
                raise Failure(f"worker{index + 1} exited with {worker.returncode}:\n{tail(log)}")

    def wait_ready(self, index, timeout=30):
        port, process = self.node_ports[index], self.nodes[index]

        def ready():
            if process.poll() is not None:
                raise Failure(f"{self.node_names[index]} (port {port}) exited with {process.returncode} at start:\n"
                              f"{tail(self.node_log(index))}")
            try:
                return call(port, "GET", "/health/ready", timeout=2).status == 200
            except TRANSPORT_ERRORS:
                return False

        if not wait_until(ready, timeout):
            raise Failure(f"{self.node_names[index]} (port {port}) not ready after {timeout} s:\n"
                          f"{tail(self.node_log(index))}")

    def write_haproxy_config(self):
        servers = "\n".join(
            f"    server {name} 127.0.0.1:{port} check" for name, port in zip(self.node_names, self.node_ports))
        config = f"""global
    maxconn 4096
    stats socket {self.stats_socket} mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 30s
    timeout http-keep-alive 60s
    timeout check 1s
    # A request whose connection to a node could not be made is retried, on another node
    # (redispatch). That is the only retry: `retry-on` keeps its default, conn-failure, so a
    # request a node may have received (a POST above all) is never sent twice by haproxy; the
    # client retries it, with its Idempotency-Key.
    retries 3
    option redispatch 1

frontend api
    bind 127.0.0.1:{self.haproxy_port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk GET /health/ready
    http-check expect status 200
    default-server inter {CHECK_INTERVAL_MS}ms fall {CHECK_FALL} rise {CHECK_RISE}
    http-response set-header X-Tenantry-Node %[srv_name]
{servers}
"""
        with open(os.path.join(self.workdir, "haproxy.cfg"), "w") as handle:
            handle.write(config)

    # -- haproxy --

    def haproxy_stats(self):
        """{server name or "BACKEND": {"status", "stot" (sessions), "wretr" (connection retries),
        "wredis" (redispatches), "eresp" (response errors)}} from the stats socket."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(self.stats_socket)
            sock.sendall(b"show stat\n")
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
        lines = data.decode().splitlines()
        header = lines[0].lstrip("# ").split(",")
        servers = {}
        for line in lines[1:]:
            row = dict(zip(header, line.split(",")))
            if row.get("pxname") == "nodes" and row.get("svname") in self.node_names + ["BACKEND"]:
                servers[row["svname"]] = {"status": row["status"], "stot": int(row["stot"] or 0),
                                          "wretr": int(row["wretr"] or 0), "wredis": int(row["wredis"] or 0),
                                          "eresp": int(row["eresp"] or 0)}
        return servers

    def haproxy_retries(self):
        """haproxy's counters for the backend: (connection retries, redispatches, response
        errors), so far."""
        backend = self.haproxy_stats()["BACKEND"]
        return backend["wretr"], backend["wredis"], backend["eresp"]

    def haproxy_status(self, name):
        try:
            return self.haproxy_stats().get(name, {}).get("status", "?")
        except OSError:
            return "?"

    def wait_haproxy(self, name, status, timeout):
        """Waits until haproxy reports the node in status (UP, DOWN; not "UP 1/2", a node on its
        way down); returns the seconds it took."""
        started = time.monotonic()
        def reached():
            return self.haproxy.poll() is not None or self.haproxy_status(name) == status

        if not wait_until(reached, timeout, 0.02):
            raise Failure(f"haproxy did not mark {name} {status} within {timeout} s "
                          f"(it says {self.haproxy_status(name)})")
        if self.haproxy.poll() is not None:
            raise Failure(f"haproxy exited with {self.haproxy.returncode}:\n"
                          f"{tail(os.path.join(self.workdir, 'haproxy.log'))}")
        return time.monotonic() - started

    # -- node life --

    def stop_node(self, index, sig):
        """Signals a node and waits for it to exit; returns its exit status."""
        return stop_process(self.nodes[index], sig, self.options.shutdown_delay + 20)

    def restart_node(self, index):
        """Starts a fresh node on the same port and waits until haproxy sends it requests."""
        self.start_node(index)
        self.wait_ready(index)
        self.wait_haproxy(self.node_names[index], "UP", 10)

    # -- mail --

    def delivered_mail(self):
        """Every message the SMTP server accepted: [{"rcpt_tos": …, "ehlo": …, "text": …}]."""
        messages = []
        for path in sorted(glob.glob(os.path.join(self.maildir, "*.json"))):
            with open(path) as handle:
                record = json.load(handle)
            text = "\n".join(str(part.get("content", "")) for part in record["message"]["parts"])
            messages.append({"rcpt_tos": record["rcpt_tos"], "ehlo": record["ehlo"], "text": text,
                             "subject": record["message"]["headers"].get("Subject", "")})
        return messages

    # -- shutdown --

    def stop(self):
        if self.haproxy is not None:
            stop_process(self.haproxy, signal.SIGTERM, 5)
        processes = [node for node in self.nodes if node is not None] + self.workers
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes:
            stop_process(process, signal.SIGTERM, self.options.shutdown_delay + 10)
        if self.smtp is not None:
            self.smtp.stdin.close()
            stop_process(self.smtp, signal.SIGTERM, 5)

    def log_tails(self):
        """The last error lines of each process's log, for a failure report. Readiness answering
        503 during a graceful shutdown is logged as an error too; those lines are expected."""
        report = []
        for path in sorted(glob.glob(os.path.join(self.workdir, "*.log"))):
            errors = []
            with open(path, errors="replace") as handle:
                for line in handle:
                    if "HealthController" in line and "service_unavailable" in line:
                        continue
                    if '"level":"error"' in line or '"level":"critical"' in line or "ALERT" in line:
                        errors.append(line.rstrip()[:400])
            if errors:
                report.append(f"  {os.path.basename(path)}: {len(errors)} error line(s), last:")
                report.extend("    " + line for line in errors[-3:])
        return "\n".join(report)


# --- accounts ----------------------------------------------------------------------------------


class Accounts:
    """Sign-ups and operator calls through haproxy."""

    def __init__(self, cluster):
        self.cluster = cluster
        self.port = cluster.haproxy_port
        self.run_id = uuid.uuid4().hex[:8]
        self.operator_token = None

    def email(self, label):
        return f"{label}-{self.run_id}@{MAIL_DOMAIN}"

    def register(self, label, port=None):
        """A new tenant with its owner: {"token", "session_id", "tenant_id", "email"}."""
        email = self.email(label)
        body = {"email": email, "password": PASSWORD, "name": f"Owner {label}", "tenant_name": f"Tenant {label}"}
        document = expect(call(port or self.port, "POST", "/api/v1/auth/register", body), 201, f"registering {email}")
        return {"token": document["tokens"]["access_token"], "session_id": document["tokens"]["session_id"],
                "tenant_id": document["tenant"]["id"], "email": email}

    def login(self, email):
        document = expect(call(self.port, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD}),
                          200, f"signing in as {email}")
        return {"token": document["tokens"]["access_token"], "session_id": document["tokens"]["session_id"]}

    def operator(self):
        if self.operator_token is None:
            email = self.email("operator")
            self.cluster.run_command(["admin", "create", "--email", email, "--password-stdin"], stdin_text=PASSWORD + "\n")
            self.operator_token = self.login(email)["token"]
        return self.operator_token

    def set_plan(self, tenant_id, plan):
        expect(call(self.port, "PUT", f"/api/v1/platform/tenants/{tenant_id}/plan", {"plan": plan},
                    bearer(self.operator())), 200, f"setting plan {plan}")

    def set_limits(self, tenant_id, limits):
        expect(call(self.port, "PUT", f"/api/v1/platform/tenants/{tenant_id}/overrides", {"limits": limits},
                    bearer(self.operator())), 200, f"setting overrides {limits}")

    def wait_plan_everywhere(self, owner, plan):
        """Waits until every node, asked directly, applies the tenant's new plan."""
        for name, port in zip(self.cluster.node_names, self.cluster.node_ports):
            def applied():
                document = call(port, "GET", "/api/v1/tenant", headers=bearer(owner["token"])).json() or {}
                value = document.get("plan")
                return (value.get("id") if isinstance(value, dict) else value) == plan
            if not wait_until(applied, 5):
                raise Failure(f"{name} (port {port}) does not apply plan {plan} 5 s after it was set")


# --- load --------------------------------------------------------------------------------------


class LoadThreads:
    """Client threads running `step(client, thread_index)` against haproxy until stopped."""

    def __init__(self, port, count, step):
        self.port = port
        self.stop_event = threading.Event()
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(index, step), daemon=True) for index in range(count)]

    def run(self, index, step):
        client = Client(self.port)
        try:
            while not self.stop_event.is_set():
                step(client, index)
        except Exception as error:  # noqa: BLE001 - reported by join()
            self.errors.append(f"thread {index}: {type(error).__name__}: {error}")
        finally:
            client.close()

    def start(self):
        for thread in self.threads:
            thread.start()
        return self

    def stop(self, timeout):
        """Stops the threads and waits up to timeout seconds; returns the ones still running."""
        self.stop_event.set()
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        if self.errors:
            raise Failure("a client thread crashed: " + "; ".join(self.errors))
        return [thread for thread in self.threads if thread.is_alive()]


def list_api_keys(port, token):
    """Every API key of the caller's tenant: [{"id", "name", …}]."""
    items, cursor = [], None
    for _ in range(100):
        path = "/api/v1/api-keys?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        document = expect(call(port, "GET", path, headers=bearer(token)), 200, "listing API keys")
        items.extend(document["items"])
        cursor = document.get("next_cursor")
        if not cursor:
            return items
    raise Failure("listing API keys: more than 100 pages")


def api_key_body(name):
    return {"name": name, "scopes": ["members:read"]}


# --- a. revocation ---------------------------------------------------------------------------


def refused_everywhere(cluster, method, path, headers, deadline_seconds=1.0):
    """After a revocation: asks every node directly, each from its own thread, until it answers
    401. Returns {node: (seconds until its first 401, 200s it answered before)}; raises when a
    node still accepts after the deadline or answers anything else."""
    started = time.monotonic()
    results, problems = {}, []

    def poll(name, port):
        client, accepted = Client(port, timeout=2), 0
        try:
            while time.monotonic() - started <= deadline_seconds:
                response = client.request(method, path, headers=headers)
                if response.status == 401:
                    results[name] = (time.monotonic() - started, accepted)
                    return
                if response.status != 200:
                    problems.append(f"{name} (port {port}) answered {response.describe()} after the revocation")
                    return
                accepted += 1
                time.sleep(0.005)
            problems.append(f"{name} (port {port}) still accepted it {time.monotonic() - started:.2f} s after "
                            f"the revocation ({accepted} times)")
        except TRANSPORT_ERRORS as error:
            problems.append(f"{name} (port {port}): {type(error).__name__}: {error}")
        finally:
            client.close()

    threads = [threading.Thread(target=poll, args=pair) for pair in zip(cluster.node_names, cluster.node_ports)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if problems:
        raise Failure(f"{method} {path}: " + "; ".join(problems) + f"; the others: {format_times(results)}")
    return results


def accepted_everywhere(cluster, method, path, headers, what):
    """Before a revocation: every node accepts the credential (so its caches hold it)."""
    for name, port in zip(cluster.node_names, cluster.node_ports):
        response = call(port, method, path, headers=headers)
        if response.status != 200:
            raise Failure(f"{what}: {name} (port {port}) answered {response.describe()} before the revocation")


def format_times(results):
    """"node1 12 ms (1 × 200 first), …" from refused_everywhere's results."""
    parts = []
    for name, (seconds, accepted) in sorted(results.items()):
        parts.append(f"{name} {seconds * 1000:.0f} ms" + (f" ({accepted} × 200 first)" if accepted else ""))
    return ", ".join(parts) or "none"


def check_revocation(cluster, accounts):
    owner = accounts.register("revoke")
    second = accounts.login(owner["email"])
    key = expect(call(accounts.port, "POST", "/api/v1/api-keys", api_key_body("revocation"), bearer(owner["token"])),
                 201, "creating an API key")
    key_headers = {"X-API-Key": key["secret"]}
    accepted_everywhere(cluster, "GET", "/api/v1/members?limit=1", key_headers, "API key")
    accepted_everywhere(cluster, "GET", "/api/v1/me", bearer(owner["token"]), "first session")
    accepted_everywhere(cluster, "GET", "/api/v1/me", bearer(second["token"]), "second session")
    results = []

    # An API key deleted through node 3.
    expect(call(cluster.node_ports[2], "DELETE", f"/api/v1/api-keys/{key['key']['id']}", headers=bearer(owner["token"])),
           204, f"deleting the API key through {cluster.node_names[2]}")
    times = refused_everywhere(cluster, "GET", "/api/v1/members?limit=1", key_headers)
    results.append(f"API key deleted through {cluster.node_names[2]}: 401 after {format_times(times)}")

    # The second session revoked through node 2 (DELETE /api/v1/me/sessions/{id}).
    expect(call(cluster.node_ports[1], "DELETE", f"/api/v1/me/sessions/{second['session_id']}",
                headers=bearer(owner["token"])), 204, f"revoking a session through {cluster.node_names[1]}")
    times = refused_everywhere(cluster, "GET", "/api/v1/me", bearer(second["token"]))
    results.append(f"session revoked through {cluster.node_names[1]}: 401 after {format_times(times)}")

    # The first session signed out through node 1 (POST /api/v1/auth/logout).
    expect(call(cluster.node_ports[0], "POST", "/api/v1/auth/logout", headers=bearer(owner["token"])),
           204, f"signing out through {cluster.node_names[0]}")
    times = refused_everywhere(cluster, "GET", "/api/v1/me", bearer(owner["token"]))
    results.append(f"signed out through {cluster.node_names[0]}: 401 after {format_times(times)}")
    return "; ".join(results)


# --- b. rate limit -----------------------------------------------------------------------------


def policy_quota(header):
    """q of the "tenant" item of a RateLimit-Policy header, or None."""
    for item in (header or "").split(","):
        fields = [field.strip() for field in item.split(";")]
        if fields and fields[0] == '"tenant"':
            for field in fields[1:]:
                if field.startswith("q="):
                    return int(field[2:])
    return None


def check_rate_limit(cluster, accounts, options):
    quota, seconds = options.rate_limit_quota, options.rate_limit_seconds
    owner = accounts.register("ratelimit")
    accounts.set_limits(owner["tenant_id"], {"requests_per_minute": quota})
    time.sleep(0.5)  # the override reaches every node through its notice (milliseconds)
    lock = threading.Lock()
    outcomes = []  # (sent at, status, node, quota in RateLimit-Policy)
    started = time.monotonic()

    def step(client, _index):
        if time.monotonic() - started >= seconds:
            time.sleep(0.01)
            return
        sent = time.monotonic()
        try:
            response = client.request("GET", "/api/v1/tenant", headers=bearer(owner["token"]))
            outcome = (sent, response.status, response.node, policy_quota(response.headers.get("ratelimit-policy")))
        except TRANSPORT_ERRORS as error:
            outcome = (sent, type(error).__name__, None, None)
        with lock:
            outcomes.append(outcome)

    load = LoadThreads(accounts.port, options.rate_limit_threads, step).start()
    time.sleep(seconds)
    load.stop(10)
    return judge_rate_limit(outcomes, quota)


def judge_rate_limit(outcomes, quota):
    if not outcomes:
        raise Failure("no request was sent")
    first = min(outcome[0] for outcome in outcomes)
    elapsed = max(outcome[0] for outcome in outcomes) - first
    admitted = [outcome for outcome in outcomes if isinstance(outcome[1], int) and 200 <= outcome[1] < 300]
    refused = [outcome for outcome in outcomes if outcome[1] == 429]
    other = collections.Counter(str(outcome[1]) for outcome in outcomes if outcome not in admitted and outcome[1] != 429)
    per_node = collections.Counter(outcome[2] for outcome in admitted)
    wrong_quota = collections.Counter((outcome[2], outcome[3]) for outcome in outcomes
                                      if outcome[3] is not None and outcome[3] != quota)
    # GCRA with burst = quota (0016, GCRARateLimiter): the first request finds the whole quota;
    # then one more every 60/quota s. Admitted by `elapsed` after the first: quota + ⌊elapsed × quota / 60⌋.
    expected = quota + int(elapsed * quota / 60)
    steady = steady_rate(outcomes, first + elapsed)
    summary = (f"{len(admitted)} admitted, {len(refused)} refused (429) of {len(outcomes)} in {elapsed:.1f} s "
               f"({len(outcomes) / max(elapsed, 0.001):.0f}/s offered); expected {expected} "
               f"(quota {quota}/min: burst {quota} + {quota / 60:g}/s × {elapsed:.1f} s), "
               f"ratio {len(admitted) / expected:.2f}; admitted per node: "
               + ", ".join(f"{node} {count}" for node, count in sorted(per_node.items(), key=lambda item: str(item[0])))
               + f"; once every node had refused one: {steady} admitted against {quota / 60:g}/s")
    problems = []
    if other:
        problems.append("answers other than 2xx and 429: " + ", ".join(f"{key} ×{count}" for key, count in other.items()))
    if wrong_quota:
        problems.append("RateLimit-Policy with another quota: "
                        + ", ".join(f"{node} q={value} ×{count}" for (node, value), count in wrong_quota.items()))
    if not admitted or not refused:
        problems.append("the load must see both 2xx and 429 to measure the limit")
    if abs(len(admitted) - expected) > 0.1 * expected:
        problems.append(f"admitted {len(admitted)} is not within 10 % of {expected}")
    if problems:
        raise Failure("; ".join(problems) + f" — {summary}")
    return summary


def steady_rate(outcomes, end):
    """Requests admitted per second from the moment every node that answered had refused one
    (its burst spent) to `end`, as text."""
    first_refusal = {}
    for sent, status, node, _quota in sorted(outcomes, key=lambda outcome: outcome[0]):
        if status == 429:
            first_refusal.setdefault(node, sent)
    nodes = {outcome[2] for outcome in outcomes if outcome[2]}
    if not nodes or set(first_refusal) != nodes:
        return "(some node never refused)"
    since = max(first_refusal.values())
    admitted = sum(1 for outcome in outcomes if outcome[0] >= since and outcome[1] == 200)
    return f"{admitted / max(end - since, 0.001):.1f}/s over the last {end - since:.1f} s"


# --- c. every job runs once --------------------------------------------------------------------


def check_jobs_once(cluster, accounts, options):
    count = options.registrations
    labels = [f"mail{index}" for index in range(count)]
    failures = []

    def register_all(part):
        for label in labels[part::3]:
            try:
                accounts.register(label)
            except (Failure, *TRANSPORT_ERRORS) as error:
                failures.append(str(error))

    threads = [threading.Thread(target=register_all, args=(part,)) for part in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if failures:
        raise Failure(f"{len(failures)} registration(s) failed, first: {failures[0]}")
    expected = {accounts.email(label) for label in labels}

    def arrived():
        received = {rcpt for message in cluster.delivered_mail() for rcpt in message["rcpt_tos"]}
        return expected <= received

    wait_until(arrived, 30, 0.2)
    time.sleep(3)  # a job run twice would deliver its second copy by now
    return judge_mail(cluster, expected)


def judge_mail(cluster, expected):
    messages = cluster.delivered_mail()
    per_recipient = collections.Counter(rcpt for message in messages for rcpt in message["rcpt_tos"])
    missing = sorted(address for address in expected if per_recipient[address] == 0)
    twice = sorted(f"{address} ×{n}" for address, n in per_recipient.items() if n > 1)
    mine = [message for message in messages if set(message["rcpt_tos"]) & expected]
    not_verification = [message["subject"] for message in mine if "/verify-email?token=" not in message["text"]]
    wrong_link = [message["rcpt_tos"][0] for message in mine
                  if f"{cluster.public_url}/verify-email?token=" not in message["text"]]
    senders = collections.Counter(message["ehlo"] for message in mine)
    summary = (f"{len(expected)} registrations, {len(mine)} verification emails, "
               f"{len(messages)} emails in all this run; sent by "
               + ", ".join(f"{name} {n}" for name, n in sorted(senders.items())))
    problems = []
    if missing:
        problems.append(f"{len(missing)} address(es) got no email within 30 s, e.g. {missing[0]}")
    if twice:
        problems.append("delivered more than once: " + ", ".join(twice[:5]))
    if not_verification:
        problems.append(f"{len(not_verification)} email(s) without a verification link (subject {not_verification[0]!r})")
    if wrong_link:
        problems.append(f"{len(wrong_link)} link(s) not based on the public URL {cluster.public_url}")
    if problems:
        raise Failure("; ".join(problems) + f" — {summary}")
    return summary


# --- d. SIGKILL under load -----------------------------------------------------------------------


class KeyedWrite:
    """One write: POST /api/v1/api-keys with its own Idempotency-Key, retried until it succeeds."""

    def __init__(self, name):
        self.name = name
        self.key = str(uuid.uuid4())
        self.attempts = []  # (seconds since the test's start, outcome, node)
        self.result = None  # the created key's id
        self.final = None  # the final answer, when it was not a success
        self.replayed = False
        self.outcome_lost = False  # answered idempotency_outcome_lost: done, response lost

    def run(self, client, token, deadline, clock):
        """Sends the write until a 201 (or a replayed 201), retrying transport failures, 5xx,
        409 idempotency_in_progress and 429 with the same key, until deadline() (a monotonic
        time, read at each attempt: it is moved when the test stops making new writes)."""
        while time.monotonic() < deadline():
            try:
                response = client.request("POST", "/api/v1/api-keys", api_key_body(self.name),
                                          {**bearer(token), "Idempotency-Key": self.key})
            except TRANSPORT_ERRORS as error:
                self.attempts.append((clock(), type(error).__name__, None))
                time.sleep(0.1)
                continue
            self.attempts.append((clock(), response.describe(), response.node))
            if response.status == 201:
                self.result = response.json()["key"]["id"]
                self.replayed = response.headers.get("idempotent-replayed") == "true"
                return
            if response.status >= 500 or response.status == 429:
                time.sleep(0.1)
            elif response.status == 409 and response.code == "idempotency_in_progress":
                time.sleep(0.5)
            elif response.status == 409 and response.code == "idempotency_outcome_lost":
                # The first attempt committed and its node died before storing the response:
                # the write is done (once), and the server says so instead of running it again.
                self.outcome_lost = True
                return
            else:
                self.final = response.describe()
                return
        self.final = "no success before the deadline"

    @property
    def retried(self):
        return len(self.attempts) > 1


def check_kill_node(cluster, accounts, options):
    owner = accounts.register("kill")
    accounts.set_plan(owner["tenant_id"], "enterprise")  # no limit on API keys
    accounts.wait_plan_everywhere(owner, "enterprise")
    victim = 1
    victim_name = cluster.node_names[victim]
    started = time.monotonic()
    clock = lambda: time.monotonic() - started  # noqa: E731
    writes, lock = [], threading.Lock()
    phase = {"new_writes": True, "deadline": time.monotonic() + 600}
    sequence = collections.Counter()

    def step(client, index):
        if not phase["new_writes"]:
            time.sleep(0.01)
            return
        sequence[index] += 1
        write = KeyedWrite(f"kill-{index}-{sequence[index]}")
        with lock:
            writes.append(write)
        write.run(client, owner["token"], lambda: phase["deadline"], clock)

    retries_before = cluster.haproxy_retries()
    load = LoadThreads(accounts.port, options.writers, step).start()

    def victim_served():
        with lock:
            answered = sum(1 for write in writes for attempt in write.attempts if attempt[2] == victim_name)
        return answered >= 10 and clock() >= options.before_kill

    try:
        if not wait_until(victim_served, options.before_kill + 15):
            raise Failure(f"{victim_name} answered fewer than 10 writes in {options.before_kill + 15:.0f} s; "
                          "nothing to kill under load")
        kill_at = clock()
        cluster.stop_node(victim, signal.SIGKILL)
        down_after = cluster.wait_haproxy(victim_name, "DOWN", 5)
        time.sleep(options.after_kill)
    except BaseException as error:
        # Give up: the clients stop at once, and after a failure the next property finds three
        # nodes again.
        phase["new_writes"], phase["deadline"] = False, time.monotonic()
        load.stop(15)
        if isinstance(error, Failure) and cluster.nodes[victim].poll() is not None:
            cluster.restart_node(victim)
        raise
    phase["new_writes"] = False
    phase["deadline"] = time.monotonic() + options.retry_deadline  # the idempotency lock, and some
    still_running = load.stop(options.retry_deadline + 15)
    if still_running:
        raise Failure(f"{len(still_running)} client thread(s) still running past the retry deadline")
    haproxy = [after - before for after, before in zip(cluster.haproxy_retries(), retries_before)]
    cluster.restart_node(victim)
    return judge_kill(accounts, owner, writes, victim_name, kill_at, down_after, haproxy)


def judge_kill(accounts, owner, writes, victim_name, kill_at, down_after, haproxy):
    stored = collections.Counter()
    stored_ids = collections.defaultdict(list)
    for item in list_api_keys(accounts.port, owner["token"]):
        stored[item["name"]] += 1
        stored_ids[item["name"]].append(f"{item['id']} created {item['created_at']}")
    succeeded = [write for write in writes if write.result]
    lost = [write for write in writes if write.outcome_lost]
    unfinished = [write for write in writes if not write.result and not write.outcome_lost]
    retried = [write for write in writes if write.retried]
    waited = [write for write in writes
              if any("idempotency_in_progress" in str(attempt[1]) for attempt in write.attempts)]
    before_kill = sum(1 for write in writes for attempt in write.attempts
                      if attempt[2] == victim_name and attempt[0] < kill_at)
    after_kill = [write for write in writes if write.attempts and write.attempts[0][0] > kill_at + down_after]
    summary = (f"{len(writes)} writes, {len(succeeded)} succeeded, {len(lost)} done with the response lost, {len(retried)} retried by the client "
               f"({sum(1 for write in writes if write.replayed)} answered by a replay, {len(waited)} waited for "
               f"idempotency_in_progress, longest {max_wait(waited):.1f} s); {victim_name} answered {before_kill} before "
               f"SIGKILL at {kill_at:.1f} s, haproxy marked it DOWN {down_after * 1000:.0f} ms later; "
               f"{len(after_kill)} writes begun after that; {sum(stored.values())} keys stored; haproxy: "
               f"{haproxy[0]} connection retries, {haproxy[1]} redispatches, {haproxy[2]} response errors")
    problems = []
    for write in unfinished:
        problems.append(f"{write.name}: {write.final}; attempts {format_attempts(write)}")
    for write in succeeded:
        count = stored[write.name]
        if count != 1:
            problems.append(f"{write.name} stored {count} times (answered id {write.result}, stored "
                            f"{stored_ids[write.name]}); attempts {format_attempts(write)}")
        elif not stored_ids[write.name][0].startswith(write.result):
            problems.append(f"{write.name}: answered id {write.result} but stored {stored_ids[write.name][0]}")
    for write in lost:
        # Done once by the attempt the kill cut off; never run again.
        if stored[write.name] != 1:
            problems.append(f"{write.name} answered idempotency_outcome_lost but stored {stored[write.name]} times "
                            f"({stored_ids[write.name]}); attempts {format_attempts(write)}")
    known = {write.name for write in writes}
    strays = [name for name in stored if name.startswith("kill-") and name not in known]
    if strays:
        problems.append(f"keys stored that no client wrote: {strays[:5]}")
    if before_kill == 0:
        problems.append(f"{victim_name} answered no write before it was killed")
    if not after_kill:
        problems.append("no write was begun after haproxy took the killed node out")
    if lost:
        summary += (f"; {len(lost)} write(s) cut off by the kill after committing, answered "
                    f"idempotency_outcome_lost and stored once: {', '.join(write.name for write in lost[:3])}")
    if retried:
        summary += "; retried writes: " + "; ".join(f"{write.name}: {format_attempts(write)}" for write in retried[:5])
    if problems:
        raise Failure("; ".join(problems[:8]) + (f" (and {len(problems) - 8} more)" if len(problems) > 8 else "")
                      + f" — {summary}")
    return summary


def max_wait(writes):
    longest = 0.0
    for write in writes:
        times = [attempt[0] for attempt in write.attempts if "idempotency_in_progress" in str(attempt[1])]
        longest = max(longest, write.attempts[-1][0] - times[0])
    return longest


def format_attempts(write):
    """"0.8s 502@-, 0.9s 409 idempotency_in_progress@node1 ×119 until 60.9s, 61.4s 201@node3"."""
    runs = []  # [first time, outcome, nodes, count, last time]
    for at, outcome, node in write.attempts:
        if runs and runs[-1][1] == outcome:
            runs[-1][2].add(node or "-")
            runs[-1][3] += 1
            runs[-1][4] = at
        else:
            runs.append([at, outcome, {node or "-"}, 1, at])
    return ", ".join(
        f"{first:.1f}s {outcome}@{'/'.join(sorted(nodes))}" + (f" ×{count} until {last:.1f}s" if count > 1 else "")
        for first, outcome, nodes, count, last in runs)


# --- e. rolling restart ------------------------------------------------------------------------


def check_rolling_restart(cluster, accounts, options):
    owner = accounts.register("rolling")
    accounts.set_plan(owner["tenant_id"], "enterprise")
    accounts.wait_plan_everywhere(owner, "enterprise")
    started = time.monotonic()
    lock = threading.Lock()
    outcomes = []  # (seconds, kind, outcome, node)
    written = {}  # key name -> id

    def step(client, index):
        now = time.monotonic() - started
        if index < options.writers:
            name = f"rolling-{index}-{uuid.uuid4().hex[:8]}"
            request = ("POST", "/api/v1/api-keys", api_key_body(name),
                       {**bearer(owner["token"]), "Idempotency-Key": str(uuid.uuid4())})
        else:
            name = None
            request = ("GET", "/api/v1/members?limit=10", None, bearer(owner["token"]))
        try:
            response = client.request(*request)
            outcome, node = response.status, response.node
            if name and response.status == 201:
                with lock:
                    written[name] = response.json()["key"]["id"]
        except TRANSPORT_ERRORS as error:
            outcome, node = type(error).__name__, None
        with lock:
            outcomes.append((now, "write" if name else "read", outcome, node))

    retries_before = cluster.haproxy_retries()
    load = LoadThreads(accounts.port, options.writers + options.readers, step).start()
    restarts = []
    try:
        time.sleep(1)
        for index in range(len(cluster.node_names)):
            restarts.append(restart_gracefully(cluster, index, started))
            time.sleep(0.5)
        time.sleep(1)
    finally:
        load.stop(15)
    haproxy = [after - before for after, before in zip(cluster.haproxy_retries(), retries_before)]
    return judge_rolling(accounts, owner, outcomes, written, restarts, haproxy, options.shutdown_delay)


def restart_gracefully(cluster, index, started):
    """SIGTERM, then a fresh start once the node has exited; returns what happened, with times
    relative to `started`."""
    name = cluster.node_names[index]
    signalled = time.monotonic()
    status = None
    try:
        cluster.nodes[index].send_signal(signal.SIGTERM)
        not_ready_after = readiness_flip(cluster.node_ports[index], signalled)
        down_after = cluster.wait_haproxy(name, "DOWN", cluster.options.shutdown_delay + 5)
        status = cluster.nodes[index].wait(cluster.options.shutdown_delay + 20)
    finally:
        if status is None:
            cluster.stop_node(index, signal.SIGKILL)
    exit_after = time.monotonic() - signalled
    cluster.restart_node(index)
    return {"name": name, "not_ready_after": not_ready_after, "down_after": down_after, "exit_status": status,
            "exit_after": exit_after, "up_at": time.monotonic() - started}


def readiness_flip(port, signalled):
    """Seconds from the signal until the node itself answers 503 on /health/ready, or None
    when it stopped answering first."""
    def not_ready():
        try:
            return call(port, "GET", "/health/ready", timeout=1).status == 503
        except TRANSPORT_ERRORS:
            return "gone"
    answer = wait_until(not_ready, 2, 0.01)
    return time.monotonic() - signalled if answer is True else None


def judge_rolling(accounts, owner, outcomes, written, restarts, haproxy, shutdown_delay):
    failed = [outcome for outcome in outcomes if not (isinstance(outcome[2], int) and 200 <= outcome[2] < 300)]
    reads = sum(1 for outcome in outcomes if outcome[1] == "read")
    writes = sum(1 for outcome in outcomes if outcome[1] == "write")
    stored = collections.Counter(item["name"] for item in list_api_keys(accounts.port, owner["token"]))
    details = []
    problems = []
    for restart in restarts:
        served_after = sum(1 for outcome in outcomes if outcome[3] == restart["name"] and outcome[0] > restart["up_at"])
        flip = restart["not_ready_after"]
        details.append(f"{restart['name']}: /health/ready 503 "
                       + (f"{flip * 1000:.0f} ms" if flip is not None else "never")
                       + f", DOWN in haproxy {restart['down_after'] * 1000:.0f} ms after SIGTERM, "
                       f"exited {restart['exit_status']} after {restart['exit_after']:.1f} s, "
                       f"{served_after} requests after its restart")
        if restart["exit_status"] != 0:
            problems.append(f"{restart['name']} exited with status {restart['exit_status']} on SIGTERM")
        if flip is None:
            problems.append(f"{restart['name']} closed its listener before /health/ready answered 503")
        if restart["down_after"] >= shutdown_delay:
            problems.append(f"haproxy took {restart['down_after']:.2f} s to see {restart['name']} leave, "
                            f"more than the shutdown delay {shutdown_delay} s")
        if served_after == 0:
            problems.append(f"{restart['name']} served nothing after its restart")
    duplicates = [name for name in written if stored[name] != 1]
    summary = (f"{reads} reads and {writes} writes over {len(restarts)} restarts, {len(failed)} failed; "
               f"haproxy: {haproxy[0]} connection retries, {haproxy[1]} redispatches, {haproxy[2]} response errors; "
               + "; ".join(details))
    if failed:
        shown = ", ".join(f"{at:.1f}s {kind} {outcome}@{node or '-'}" for at, kind, outcome, node in failed[:8])
        problems.append(f"{len(failed)} request(s) failed: {shown}")
    if duplicates:
        problems.append(f"written keys not stored exactly once: {duplicates[:5]}")
    if reads < 50 or writes < 10:
        problems.append("too little load to show anything")
    if problems:
        raise Failure("; ".join(problems) + f" — {summary}")
    return summary


# --- main --------------------------------------------------------------------------------------


CHECKS = {
    "revocation": lambda cluster, accounts, options: check_revocation(cluster, accounts),
    "rate-limit": check_rate_limit,
    "jobs-once": check_jobs_once,
    "kill-node": check_kill_node,
    "rolling-restart": check_rolling_restart,
}


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True, help="the tenantry executable")
    parser.add_argument("--haproxy", default=shutil.which("haproxy") or "/usr/sbin/haproxy")
    parser.add_argument("--psql", default=shutil.which("psql") or "psql")
    parser.add_argument("--only", default=",".join(PROPERTIES),
                        help="comma-separated properties to check: " + ", ".join(PROPERTIES))
    parser.add_argument("--keep-logs", action="store_true", help="keep the folder of logs and print its path")
    parser.add_argument("--rate-limit-quota", type=int, default=300, help="requests per minute (default 300)")
    parser.add_argument("--rate-limit-seconds", type=float, default=12.0)
    parser.add_argument("--rate-limit-threads", type=int, default=8)
    parser.add_argument("--registrations", type=int, default=15, help="registrations (emails) for jobs-once")
    parser.add_argument("--writers", type=int, default=4, help="writing client threads (kill-node, rolling-restart)")
    parser.add_argument("--readers", type=int, default=3, help="reading client threads (rolling-restart)")
    parser.add_argument("--shutdown-delay", type=float, default=SHUTDOWN_DELAY,
                        help=f"TENANTRY_SHUTDOWN_DELAY of every process (default {SHUTDOWN_DELAY})")
    parser.add_argument("--before-kill", type=float, default=2.0, help="seconds of writes before the SIGKILL")
    parser.add_argument("--after-kill", type=float, default=3.0, help="seconds of new writes after the SIGKILL")
    parser.add_argument("--retry-deadline", type=float, default=IDEMPOTENCY_LOCK_TIMEOUT + 15.0,
                        help="seconds the clients keep retrying unfinished writes (the idempotency lock is 60 s)")
    options = parser.parse_args()
    options.only = [name.strip() for name in options.only.split(",") if name.strip()]
    unknown = [name for name in options.only if name not in PROPERTIES]
    if unknown:
        parser.error(f"unknown properties {unknown}; choose from {', '.join(PROPERTIES)}")
    return options


def raise_on_signal(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run(options, workdir):
    database = Database(options.psql)
    cluster = Cluster(options, workdir, database)
    passed, failed = 0, 0
    began = time.monotonic()
    try:
        database.create()
        say(f"multi-node: database {database.name}; starting {NODE_COUNT} nodes, {WORKER_COUNT} workers, "
            f"haproxy on 127.0.0.1:{cluster.haproxy_port}")
        cluster.start()
        accounts = Accounts(cluster)
        say(f"multi-node: cluster up after {time.monotonic() - began:.1f} s (nodes on ports "
            + ", ".join(map(str, cluster.node_ports)) + ")")
        for name in options.only:
            property_began = time.monotonic()
            try:
                summary = CHECKS[name](cluster, accounts, options)
                cluster.check_workers_alive()
                passed += 1
                say(f"PASS {name} ({time.monotonic() - property_began:.1f} s): {summary}")
            except Failure as failure:
                failed += 1
                say(f"FAIL {name} ({time.monotonic() - property_began:.1f} s): {failure}")
            except Exception:  # noqa: BLE001 - a bug here, or an answer of an unexpected shape
                failed += 1
                say(f"FAIL {name} ({time.monotonic() - property_began:.1f} s): unexpected error\n"
                    + traceback.format_exc())
    except Failure as failure:
        failed += 1
        say(f"FAIL set-up: {failure}")
    finally:
        if failed:
            tails = cluster.log_tails()
            if tails:
                say("multi-node: error lines in the process logs:\n" + tails)
        cluster.stop()
        database.drop()
    say(f"multi-node: run took {time.monotonic() - began:.1f} s")
    return passed, failed


def main():
    options = parse_arguments()
    signal.signal(signal.SIGTERM, raise_on_signal)
    workdir = tempfile.mkdtemp(prefix="tenantry-multi-node-")
    try:
        passed, failed = run(options, workdir)
    except KeyboardInterrupt as interruption:
        say(f"multi-node: interrupted ({interruption or 'SIGINT'}); everything it started is stopped")
        sys.exit(130)
    finally:
        if options.keep_logs:
            say(f"multi-node: logs kept in {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    say(f"multi-node: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
