#!/usr/bin/env python3
"""The browser test: the tenant console (/console) and the operators' console (/admin) in
headless Chromium, driven through Selenium.

    TENANTRY_TEST_BINARY=.build/debug/tenantry python3 Tests/Browser/console_test.py
        [--list] [--only NAME] [--scenarios NAME,NAME] [--self-check]

Usually run through scripts/browser-test, which installs Chromium, chromedriver and selenium
when they are missing. Needs Debian's /usr/bin/chromium and /usr/bin/chromedriver.

In a throwaway folder it migrates a SQLite database, makes a platform operator with
`tenantry admin create`, and starts `tenantry serve --port 0` with the `log:` email transport;
the bound port is read from the server's JSON log, and the links of the emails it "sends" are
read from the same log. Each scenario runs in fresh browser sessions (a second session is a
second cookie jar: another person) and prints one line, PASS or FAIL; the run ends with
`browser: N passed, M failed` and exit status 1 when any failed.

Every page a scenario visits goes through check_page: a screenshot, the page contract (one
<h1>, <main id="main">, <html lang> en or pt-BR), axe-core (no serious or critical violation)
and the keyboard (TAB from the top reaches every visible, enabled control, each showing focus,
without positive tabindex or a trap). Screenshots go to
${TENANTRY_TEST_ARTIFACTS:-.build/test-artifacts}/browser/ with the server's log (server.log)
and, for a failed scenario, FAIL-<name>.png, its page source and its traceback.

--self-check tests the harness instead of the consoles: the server's start, port, operator,
email links and stop with the real binary, and check_page on small local pages, which must
catch a serious axe violation, a missing <main>, a positive tabindex, a focus trap, an
unreachable control and a control whose focus does not show.
"""
import argparse
import base64
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException, NoSuchElementException, WebDriverException
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

ROOT = Path(__file__).resolve().parents[2]
AXE_SOURCE_PATH = ROOT / "Tests" / "Browser" / "vendor" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
BROWSER_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    "--lang=en-US",
    # A tenant's own console host, `<slug>.console.test`, reaches the server on loopback.
    "--host-resolver-rules=MAP *.console.test 127.0.0.1",
)

# The server's environment. 1,000 PBKDF2 iterations keep sign-ups fast; the log: transport
# writes each email to the log, where the tests read its links; no rate limits, since one
# browser signs up and in many times a minute.
SERVER_ENV = {
    "TENANTRY_PASSWORD_HASH_ITERATIONS": "1000",
    "TENANTRY_EMAIL_URL": "log:",
    "TENANTRY_LOG_FORMAT": "json",
    "TENANTRY_RATE_LIMITS": "off",
    # The webhook scenario's receiver listens on loopback over plain HTTP.
    "TENANTRY_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.1/32",
    "TENANTRY_WEBHOOK_ALLOW_HTTP": "on",
    # The single sign-on scenario signs in on the tenant's own host.
    "TENANTRY_CONSOLE_BASE_DOMAIN": "console.test",
}
OPERATOR_EMAIL = "operator@example.com"
LISTENING = re.compile(r"tenantry listening on (http://127\.0\.0\.1:(\d+))")
INVITATION_LINK = re.compile(r"https?://[^\s\"\\]+/accept-invitation\?token=[A-Za-z0-9_\-\.~%]+")

WAIT_SECONDS = 10  # for a page, an element or a redirect
EMAIL_WAIT_SECONDS = 20  # for the email worker to pick up a queued email
SERVER_START_SECONDS = 60  # a debug build starting on a busy machine

SERIOUS_IMPACTS = ("serious", "critical")


class CheckFailed(AssertionError):
    """A property of the consoles that did not hold; its message is the whole explanation."""


def check(condition, message):
    if not condition:
        raise CheckFailed(message)


def wait_until(predicate, what, timeout=WAIT_SECONDS, interval=0.05, describe=None):
    """Polls `predicate` until it returns something truthy and returns that; fails after
    `timeout` seconds with `what` (and `describe()`, the state when it gave up)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            state = f" ({describe()})" if describe else ""
            raise CheckFailed(f"timed out after {timeout:g} s waiting for {what}{state}")
        time.sleep(interval)


def unique(label):
    """A name no other run or scenario uses, e.g. `owner-3f9a1c2b`."""
    return f"{label}-{secrets.token_hex(4)}"


def new_password():
    return f"Lantern-{secrets.token_hex(8)}-harbour"


# --- TOTP (RFC 6238) ------------------------------------------------------------------

TOTP_PERIOD = 30


def totp(secret_base32, step):
    """The six-digit TOTP code of `step` (HMAC-SHA1, RFC 4226 dynamic truncation)."""
    normalized = re.sub(r"[\s-]", "", secret_base32).upper()
    key = base64.b32decode(normalized + "=" * (-len(normalized) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def current_step():
    return int(time.time()) // TOTP_PERIOD


class Authenticator:
    """An authenticator app holding one secret. The server accepts a code of the step before or
    after the current one, and each step once; so a code for a step after the last one used is
    taken as soon as that step is within one of now, instead of waiting up to 30 s for it."""

    def __init__(self, secret_base32):
        self.secret = secret_base32
        self.last_step = None

    def next_code(self):
        step = current_step()
        if self.last_step is not None and step <= self.last_step:
            step = self.last_step + 1
            wait_until(lambda: current_step() >= step - 1, f"TOTP step {step} to come within one step", timeout=35)
        self.last_step = step
        return totp(self.secret, step)


# --- the server ---------------------------------------------------------------------------


def die_with_parent():
    """Runs in the child before exec: SIGTERM when this test process dies, even by SIGKILL, so
    a server never outlives its test (Linux prctl PR_SET_PDEATHSIG)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except Exception:
        pass


class Server:
    """One `tenantry serve` on a SQLite database in `workdir`, with an operator made before it
    starts. Every line of its output is kept (read by a thread, so the server never blocks on a
    full pipe): the tests read the bound port and the emails' links from them."""

    def __init__(self, binary, workdir):
        self.binary = binary
        self.workdir = Path(workdir)
        self.database_url = f"sqlite:{self.workdir / 't.db'}"
        self.operator_password = new_password()
        self.process = None
        self.base_url = None
        self.port = None
        self.lines = []
        self.lines_changed = threading.Condition()
        self.reader = None

    def environment(self):
        environment = dict(os.environ)
        for name in list(environment):
            if name.startswith("TENANTRY_") and name not in ("TENANTRY_TEST_BINARY", "TENANTRY_TEST_ARTIFACTS"):
                del environment[name]  # a developer's own settings must not change the test
        environment.update(SERVER_ENV)
        if self.port:
            # The public URL is the one the browser uses: SAML's endpoints are built from it.
            environment["TENANTRY_PUBLIC_URL"] = f"http://127.0.0.1:{self.port}"
        return environment

    def run_command(self, arguments, stdin_text=None):
        """Runs one `tenantry` command to completion and returns its output; fails with it."""
        result = subprocess.run(
            [self.binary, *arguments],
            input=stdin_text,
            capture_output=True,
            text=True,
            env=self.environment(),
            timeout=120,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"`tenantry {' '.join(arguments)}` exited {result.returncode}:\n{result.stdout}{result.stderr}"
            )
        return result.stdout

    def start(self):
        # `admin create` needs the schema: a new database is migrated first.
        self.run_command(["migrate", "--database-url", self.database_url])
        self.run_command(
            ["admin", "create", "--email", OPERATOR_EMAIL, "--name", "Ops", "--password-stdin",
             "--database-url", self.database_url],
            stdin_text=self.operator_password + "\n",
        )
        with socket.socket() as probe:  # a free port, so that the public URL can name it
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.process = subprocess.Popen(
            [self.binary, "serve", "--database-url", self.database_url, "--port", str(self.port), "--host", "127.0.0.1"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=self.environment(),
            cwd=self.workdir,
            preexec_fn=die_with_parent,
        )
        self.reader = threading.Thread(target=self._read_output, name="server-log", daemon=True)
        self.reader.start()

        def listening():
            with self.lines_changed:
                for line in self.lines:
                    match = LISTENING.search(line)
                    if match:
                        return match.group(1)
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited {self.process.returncode} before listening:\n{self.tail()}")
            return None

        try:
            self.base_url = wait_until(
                listening, "the server's `tenantry listening on` log line", timeout=SERVER_START_SECONDS
            )
        except CheckFailed as error:
            raise RuntimeError(f"{error}\n{self.tail()}") from None
        wait_until(lambda: self.get("/health/live")[0] == 200, "GET /health/live to answer 200")

    def _read_output(self):
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.lines_changed:
                self.lines.append(line)
                self.lines_changed.notify_all()

    def get(self, path):
        """(status, body) of a GET, or (None, error) when nothing answers."""
        try:
            with urllib.request.urlopen(self.base_url + path, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except OSError as error:
            return None, str(error)

    def post_json(self, path, body, token=None):
        request = urllib.request.Request(
            self.base_url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode("utf-8", "replace")

    def invitation_link(self, to):
        """The link of the invitation email sent to `to`, on this server: the email worker sends
        it shortly after the invitation is made.

        The link's own origin is not used: with `--port 0` and no TENANTRY_PUBLIC_URL the server
        builds links from the configured host and port, which may read `:0`; the path and query
        are what identify the invitation."""

        def find():
            with self.lines_changed:
                lines = list(self.lines)
            for line in reversed(lines):
                if "/accept-invitation?token=" not in line:
                    continue
                text, recipient = email_text(line)
                if recipient is not None and recipient.lower() != to.lower():
                    continue
                match = INVITATION_LINK.search(text)
                if match:
                    return match.group(0)
            return None

        link = wait_until(find, f"the invitation email to {to} in the server log", timeout=EMAIL_WAIT_SECONDS)
        parts = urllib.parse.urlsplit(link)
        return f"{self.base_url}{parts.path}?{parts.query}"

    def tail(self, count=30):
        with self.lines_changed:
            return "\n".join(self.lines[-count:])

    def save_log(self, path):
        with self.lines_changed:
            path.write_text("\n".join(self.lines) + "\n")

    def stop(self, timeout=15):
        """SIGTERM, then SIGKILL after `timeout` seconds; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return None if self.process is None else self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.reader:
            self.reader.join(5)
        return self.process.returncode


def email_text(line):
    """(text to search, recipient or None) of one log line: the decoded string values of a JSON
    line (so escaped characters in the body do not hide a link), else the line itself."""
    try:
        record = json.loads(line)
    except ValueError:
        return line, None
    if not isinstance(record, dict):
        return line, None
    text = "\n".join(str(value) for value in record.values() if isinstance(value, str))
    return text, record.get("email.to")


# --- the browser ---------------------------------------------------------------------------


def new_driver(temporary_folder):
    """A headless Chromium session with Debian's chromedriver; a new session has its own
    cookies, so it is another person. Chromium's temporary files (a profile and a socket folder
    a session, some left behind) go to `temporary_folder`, removed with the run's folder."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    # Accept-Language too: the console's language must come from the profile, not the browser.
    options.add_experimental_option("prefs", {"intl.accept_languages": "en-US,en"})
    # chromedriver, like the server, dies with this process; and is stopped when the session
    # does not start, Ctrl-C included (Selenium cleans up after an Exception only).
    service = ChromeService(
        executable_path=CHROMEDRIVER,
        env={**os.environ, "TMPDIR": str(temporary_folder)},
        popen_kw={"preexec_fn": die_with_parent},
    )
    try:
        driver = webdriver.Chrome(options=options, service=service)
    except BaseException:
        service.stop()
        raise
    driver.set_page_load_timeout(30)
    driver.set_script_timeout(30)
    return driver


# Marks the document and watches it, so an action can tell a new page (the mark is gone) from
# an htmx swap in the same one (children changed, and no htmx request is still running).
SETTLE_PREPARE_JS = """
window.__tenantryMark = arguments[0];
window.__tenantryMutated = false;
if (document.body) {
  new MutationObserver(() => { window.__tenantryMutated = true; })
    .observe(document.body, {childList: true, subtree: true});
}
"""
SETTLE_STATE_JS = """
if (document.readyState !== 'complete') return false;
if (window.__tenantryMark !== arguments[0]) return true;
return window.__tenantryMutated && !document.querySelector('.htmx-request');
"""


class Browser:
    """One session on the server, with the few actions the scenarios need."""

    def __init__(self, driver, base_url):
        self.driver = driver
        self.base_url = base_url

    @property
    def path(self):
        return urllib.parse.urlsplit(self.driver.current_url).path

    def open(self, path):
        self.driver.get(path if "://" in path else self.base_url + path)

    def find(self, css, within=None):
        try:
            return (within or self.driver).find_element(By.CSS_SELECTOR, css)
        except NoSuchElementException:
            raise CheckFailed(f"no `{css}` at {self.path}{self.alert_text()}") from None

    def find_all(self, css, within=None):
        return (within or self.driver).find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, css, what=None, timeout=WAIT_SECONDS):
        """The first element matching `css` once there is one."""
        return wait_until(
            lambda: next(iter(self.find_all(css)), None),
            what or f"`{css}` on the page",
            timeout=timeout,
            describe=lambda: f"at {self.path}",
        )

    def wait_for_path(self, path, timeout=WAIT_SECONDS):
        wait_until(
            lambda: self.path == path and self.ready(),
            f"{path}",
            timeout=timeout,
            describe=lambda: f"at {self.path}{self.alert_text()}",
        )

    def ready(self):
        return self.driver.execute_script("return document.readyState") == "complete"

    def alert_text(self):
        """`; alert: …` with the page's role=alert text, to explain an unexpected page."""
        texts = [element.text.strip() for element in self.find_all('[role="alert"]') if element.text.strip()]
        return f"; alert: {' / '.join(texts)}" if texts else ""

    def act(self, action):
        """Runs `action` (a click that submits or navigates) and waits for its result: a new
        page, or htmx's swap in this one. Accepts a confirmation dialog if one opens."""
        mark = secrets.token_hex(8)
        self.driver.execute_script(SETTLE_PREPARE_JS, mark)
        action()

        def settled():
            try:
                self.driver.switch_to.alert.accept()
            except NoAlertPresentException:
                pass
            try:
                return self.driver.execute_script(SETTLE_STATE_JS, mark)
            except WebDriverException:
                return False  # between documents

        wait_until(settled, "the page to load after the action", describe=self.describe_stuck_page)

    def describe_stuck_page(self):
        invalid = self.driver.execute_script(
            "return Array.from(document.querySelectorAll('form :invalid'))"
            ".map(el => `${el.name}: ${el.validationMessage}`)"
        )
        return f"at {self.path}" + (f"; invalid fields: {'; '.join(invalid)}" if invalid else "")

    def fill(self, form_css, **fields):
        """Types each value into the form's field of that name (a select: picks the option with
        that value)."""
        form = self.find(form_css)
        for name, value in fields.items():
            field = self.find(f'[name="{name}"]', within=form)
            if field.tag_name == "select":
                Select(field).select_by_value(value)
            else:
                field.clear()
                field.send_keys(value)
        return form

    def submit(self, form_css, **fields):
        """Fills the form and clicks its submit button."""
        form = self.fill(form_css, **fields)
        buttons = self.find_all('button[type="submit"], input[type="submit"]', within=form)
        if not buttons:
            buttons = self.find_all("button:not([type])", within=form)  # a button submits by default
        check(buttons, f"`{form_css}` has no submit button")
        self.act(buttons[0].click)

    def link(self, path, within="body"):
        """The link in `within` whose target's path is `path`, however the href is written."""
        for element in self.find_all(f"{within} a[href]"):
            href = element.get_attribute("href") or ""
            if urllib.parse.urlsplit(href).path == path:
                return element
        raise CheckFailed(f"no link to {path} in `{within}` at {self.path}")

    def click_link(self, path, within="body"):
        self.act(self.link(path, within).click)

    def html_lang(self):
        return self.driver.execute_script("return document.documentElement.getAttribute('lang')")


# --- the page check ------------------------------------------------------------------------


class Artifacts:
    """Where screenshots go, numbered in the order taken."""

    def __init__(self):
        base = Path(os.environ.get("TENANTRY_TEST_ARTIFACTS") or ROOT / ".build" / "test-artifacts")
        self.folder = base / "browser"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*"):
            if old.is_file() and old.suffix in (".png", ".html", ".txt", ".log"):
                old.unlink()
        self.count = 0
        self.checked = set()

    def numbered(self, name, suffix):
        self.count += 1
        return self.folder / f"{self.count:02d}-{name}{suffix}"


ARTIFACTS = None  # set in main()

CONTRACT_JS = """
const problems = [];
const lang = document.documentElement.getAttribute('lang');
if (lang !== 'en' && lang !== 'pt-BR') problems.push(`<html lang> is ${JSON.stringify(lang)}, not "en" or "pt-BR"`);
const headings = document.querySelectorAll('h1').length;
if (headings !== 1) problems.push(`${headings} <h1> elements, not one`);
if (!document.querySelector('main#main')) problems.push('no <main id="main">');
return problems;
"""

AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(results => done({violations: results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
    targets: v.nodes.map(n => n.target.join(' '))
  }))}))
  .catch(error => done({error: String(error)}));
"""

# The keyboard check, in the page: which controls TAB must reach, and where focus is now.
KEYBOARD_SETUP_JS = """
const selector = 'a[href], area[href], button, input, select, textarea, summary, iframe, [tabindex], ' +
  '[contenteditable="true"], [contenteditable=""]';
const describe = el => {
  if (!el || el === document.body || el === document.documentElement) return 'the document body';
  let text = el.tagName.toLowerCase();
  if (el.id) text += '#' + el.id;
  for (const name of ['name', 'type', 'href']) {
    const value = el.getAttribute(name);
    if (value) text += `[${name}="${value}"]`;
  }
  const label = (el.getAttribute('aria-label') || el.textContent || el.value || '')
    .trim().replace(/\\s+/g, ' ').slice(0, 40);
  return label ? `${text} "${label}"` : text;
};
const shown = el => {
  if (el.closest('[inert]')) return false;
  if (getComputedStyle(el).visibility !== 'visible') return false;
  return el.getClientRects().length > 0;
};
const all = Array.from(document.querySelectorAll(selector));
const positive = all.filter(el => el.tabIndex > 0)
  .map(el => `${describe(el)} has tabindex="${el.getAttribute('tabindex')}"`);
// A native control with tabindex="-1" is still expected: the keyboard must reach it too.
const native = 'a[href], area[href], button, input, select, textarea, summary';
const elements = all.filter(el =>
  (el.tabIndex >= 0 || el.matches(native)) && shown(el) && !el.matches(':disabled') &&
  !(el.tagName === 'INPUT' && el.type === 'hidden') &&
  !(el.tagName === 'SUMMARY' && el.parentElement.querySelector('summary') !== el));
// TAB visits one radio button of a group; the group counts as one stop.
const keys = elements.map((el, index) =>
  el.tagName === 'INPUT' && el.type === 'radio' && el.name
    ? `radio:${el.form ? Array.from(document.forms).indexOf(el.form) : -1}:${el.name}` : `element:${index}`);
// How each control looks unfocused, to tell whether focus shows (an outline, a shadow, a
// border or a colour that changes).
const look = el => {
  const s = getComputedStyle(el);
  return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.boxShadow, s.borderColor, s.backgroundColor,
          s.color, s.textDecorationLine].join('|');
};
if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
const rest = elements.map(look);
const start = document.createElement('span');
start.tabIndex = -1;
document.body.prepend(start);
start.focus();
window.__tenantryKeyboard = {elements, keys, describe, start, look, rest};
return {
  positive,
  stops: Array.from(new Set(keys)).map(key => describe(elements[keys.indexOf(key)])),
  keys: Array.from(new Set(keys)),
};
"""
KEYBOARD_STEP_JS = """
const k = window.__tenantryKeyboard;
if (k.start.isConnected) k.start.remove();
const el = document.activeElement;
const index = k.elements.indexOf(el);
return {
  key: index >= 0 ? k.keys[index] : null,
  description: k.describe(el),
  inDocument: !!el && el !== document.body && el !== document.documentElement,
  focusShown: index >= 0 && el.matches(':focus-visible') && k.look(el) !== k.rest[index],
};
"""
KEYBOARD_RESET_JS = """
const k = window.__tenantryKeyboard;
if (k && k.start.isConnected) k.start.remove();
if (document.activeElement && document.activeElement.blur) document.activeElement.blur();
window.scrollTo(0, 0);
delete window.__tenantryKeyboard;
"""


def check_page(driver, name):
    """Checks the page `driver` shows: saves a screenshot, then fails on a broken page contract,
    on an axe violation of serious or critical impact, or when TAB does not reach every visible,
    enabled control, each showing focus. Each page name is checked once a run."""
    if name in ARTIFACTS.checked:
        return
    ARTIFACTS.checked.add(name)
    driver.save_screenshot(str(ARTIFACTS.numbered(name, ".png")))
    problems = driver.execute_script(CONTRACT_JS)
    check(not problems, f"page {name} breaks the page contract: " + "; ".join(problems))
    check_accessibility(driver, name)
    check_keyboard(driver, name)


def check_accessibility(driver, name):
    if not hasattr(check_accessibility, "source"):
        check_accessibility.source = AXE_SOURCE_PATH.read_text()
    driver.execute_script(check_accessibility.source)
    result = driver.execute_async_script(AXE_RUN_JS)
    check("error" not in result, f"axe failed on page {name}: {result.get('error')}")
    serious = [v for v in result["violations"] if v["impact"] in SERIOUS_IMPACTS]
    if serious:
        lines = [f"page {name} has {len(serious)} serious or critical accessibility violation(s):"]
        for violation in serious:
            lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']} <{violation['helpUrl']}>")
            lines.extend(f"    at {target}" for target in violation["targets"][:10])
        raise CheckFailed("\n".join(lines))


def check_keyboard(driver, name):
    try:
        setup = driver.execute_script(KEYBOARD_SETUP_JS)
        check(not setup["positive"],
              f"page {name}: positive tabindex changes the TAB order: " + "; ".join(setup["positive"]))
        expected = dict(zip(setup["keys"], setup["stops"]))
        reached = set()
        previous = None
        unshown = []
        actions = ActionChains(driver)
        # A date field takes one TAB per part (day, month, year, the picker) before focus moves on.
        parts = {"date": 5, "datetime-local": 7, "time": 4, "month": 4, "week": 4}
        stays = 0
        for _ in range(len(expected) + 5 + 4 * sum(1 for key in expected if "[type=" in expected[key])):
            if reached == set(expected):
                break
            actions.send_keys(Keys.TAB).perform()
            step = driver.execute_script(KEYBOARD_STEP_JS)
            if not step["inDocument"]:
                break  # focus left the page (past the last control): the rest is unreachable
            here = step["key"] or step["description"]
            if here == previous:
                kind = re.search(r'\[type="([a-z-]+)"\]', step["description"] or "")
                stays += 1
                check(kind is not None and stays < parts.get(kind.group(1), 1),
                      f"page {name}: focus stays on {step['description']} when TAB is pressed (a focus trap)")
                continue
            stays = 0
            if step["key"] in reached:
                missing = [expected[key] for key in expected if key not in reached]
                raise CheckFailed(
                    f"page {name}: TAB comes back to {step['description']} before reaching "
                    + "; ".join(missing) + " (a focus trap)"
                )
            if step["key"]:
                reached.add(step["key"])
                if not step["focusShown"]:
                    unshown.append(step["description"])
            previous = here
        missing = [expected[key] for key in expected if key not in reached]
        check(not missing, f"page {name}: TAB from the top does not reach " + "; ".join(missing))
        check(not unshown,
              f"page {name}: focus does not show (no outline, shadow, border or colour change) on " + "; ".join(unshown))
    finally:
        driver.execute_script(KEYBOARD_RESET_JS)


# --- scenarios -----------------------------------------------------------------------------


class Context:
    """What a scenario gets: the server, and browser sessions it opens (all closed after it)."""

    def __init__(self, server):
        self.server = server
        self.browsers = []

    def browser(self):
        temporary_folder = self.server.workdir / "chromium"
        temporary_folder.mkdir(exist_ok=True)
        browser = Browser(new_driver(temporary_folder), self.server.base_url)
        self.browsers.append(browser)
        return browser

    def close(self):
        for browser in self.browsers:
            try:
                browser.driver.quit()
            except Exception:
                pass
        self.browsers = []


class Account:
    def __init__(self, label):
        token = secrets.token_hex(4)
        self.email = f"{label}-{token}@example.com"
        self.name = f"{label.capitalize()} {token}"
        self.password = new_password()
        self.tenant_name = f"Tenant {token}"


def sign_up(browser, label="owner"):
    """A new account and tenant through /console/sign-up; ends on the overview, signed in."""
    account = Account(label)
    browser.open("/console/sign-up")
    browser.wait_for("form#sign-up")
    check_page(browser.driver, "sign-up")
    browser.submit(
        "form#sign-up",
        name=account.name,
        email=account.email,
        password=account.password,
        tenant_name=account.tenant_name,
    )
    browser.wait_for_path("/console")
    browser.wait_for("nav#console-nav")
    return account


def sign_in(browser, account, lands_on="/console"):
    browser.open("/console/sign-in")
    browser.wait_for("form#sign-in")
    check_page(browser.driver, "sign-in")
    browser.submit("form#sign-in", email=account.email, password=account.password)
    browser.wait_for_path(lands_on)


def sign_out(browser):
    browser.act(browser.find('form#sign-out button, form#sign-out [type="submit"]').click)
    browser.wait_for_path("/console/sign-in")


def anonymous_redirects(ctx):
    browser = ctx.browser()
    browser.open("/console")
    browser.wait_for_path("/console/sign-in")
    browser.wait_for("form#sign-in")
    check_page(browser.driver, "sign-in")
    browser.open("/admin")
    browser.wait_for_path("/admin/sign-in")
    browser.wait_for("form#sign-in")
    check_page(browser.driver, "admin-sign-in")


def sign_up_and_sign_in(ctx):
    browser = ctx.browser()
    account = sign_up(browser)
    check_page(browser.driver, "overview")
    for path in ("/console", "/console/members", "/console/api-keys", "/console/profile"):
        browser.link(path, within="nav#console-nav")
    sign_out(browser)
    browser.open("/console")
    browser.wait_for_path("/console/sign-in")  # signed out means signed out
    sign_in(browser, account)
    browser.wait_for("nav#console-nav")


def api_key_create_and_revoke(ctx):
    browser = ctx.browser()
    sign_up(browser)
    browser.click_link("/console/api-keys", within="nav#console-nav")
    browser.wait_for_path("/console/api-keys")
    browser.wait_for("form#create-key")
    check_page(browser.driver, "api-keys")
    key_name = unique("ci-key")
    browser.submit("form#create-key", name=key_name)
    secret = browser.wait_for("code#new-key-secret").text.strip()
    check(secret.startswith("tnty_"), f"the new key's secret is {secret[:12]!r}…, not tnty_…")
    check_page(browser.driver, "api-key-secret")

    all_rows = browser.find_all("table#api-keys tr[data-key-id]")
    rows = [row for row in all_rows if key_name in row.text] or all_rows  # a new tenant has one key
    check(len(rows) == 1, f"{len(rows)} rows of table#api-keys for {key_name}, not one")
    key_id = rows[0].get_attribute("data-key-id")
    row_css = f'table#api-keys tr[data-key-id="{key_id}"]'
    button = browser.find('form.revoke button, form.revoke [type="submit"]', within=rows[0])
    browser.act(button.click)
    browser.wait_for(f'{row_css}[data-status="revoked"]', f"the key's row to show data-status=revoked")

    browser.open("/console/api-keys")
    browser.wait_for(row_css)
    check(not browser.find_all("code#new-key-secret"), "the secret is shown again after a reload")


def invite_and_accept(ctx):
    owner_browser = ctx.browser()
    sign_up(owner_browser)
    owner_browser.click_link("/console/members", within="nav#console-nav")
    owner_browser.wait_for_path("/console/members")
    owner_browser.wait_for("form#invite")
    check_page(owner_browser.driver, "members")
    member = Account("member")
    owner_browser.submit("form#invite", email=member.email, role="member")
    owner_browser.wait_for_path("/console/members")
    owner_browser.wait_for('[role="status"]', "a role=status notice after inviting")

    link = ctx.server.invitation_link(member.email)
    member_browser = ctx.browser()
    member_browser.open(link)
    member_browser.wait_for("form#accept-invitation")
    check_page(member_browser.driver, "accept-invitation")
    member_browser.submit("form#accept-invitation", name=member.name, password=member.password)
    member_browser.wait_for_path("/console")
    member_browser.wait_for("nav#console-nav")

    owner_browser.open("/console/members")
    owner_browser.wait_for(f'table#members tr[data-email="{member.email}"]', f"{member.email} in table#members")


def portuguese(ctx):
    browser = ctx.browser()
    sign_up(browser)
    browser.click_link("/console/profile", within="nav#console-nav")
    browser.wait_for_path("/console/profile")
    browser.wait_for("form#preferences")
    check_page(browser.driver, "profile")
    browser.submit("form#preferences", locale="pt-BR")
    wait_until(lambda: browser.html_lang() == "pt-BR", "<html lang=\"pt-BR\"> after choosing pt-BR",
               describe=lambda: f"lang={browser.html_lang()!r} at {browser.path}")
    browser.click_link("/console/members", within="nav#console-nav")
    browser.wait_for_path("/console/members")
    check(browser.html_lang() == "pt-BR", f"the members page has lang={browser.html_lang()!r}, not pt-BR")
    label = browser.link("/console/members", within="nav#console-nav").text.strip()
    check(label == "Membros", f"the navigation's link to /console/members reads {label!r}, not 'Membros'")
    check_page(browser.driver, "members-pt-BR")


def totp_enrol_and_sign_in(ctx):
    browser = ctx.browser()
    account = sign_up(browser)
    browser.open("/console/security")
    browser.wait_for("form#enrol-totp")
    check_page(browser.driver, "security")
    browser.submit("form#enrol-totp")
    authenticator = Authenticator(browser.wait_for("code#totp-secret").text)
    browser.submit("form#confirm-totp", code=authenticator.next_code())
    codes = browser.wait_for("#recovery-codes", "the recovery codes after confirming the TOTP code")
    check(codes.text.strip(), "#recovery-codes is empty")
    check_page(browser.driver, "security-recovery-codes")

    sign_out(browser)
    sign_in(browser, account, lands_on="/console/sign-in/mfa")
    browser.wait_for("form#mfa")
    check_page(browser.driver, "mfa")
    browser.submit("form#mfa", code=authenticator.next_code())
    browser.wait_for_path("/console")
    browser.wait_for("nav#console-nav")


def tenant_status(browser):
    element = browser.find("[data-tenant-status]")
    return (element.get_attribute("data-tenant-status") or element.text).strip()


def operator_suspends_tenant(ctx):
    owner_browser = ctx.browser()
    owner = sign_up(owner_browser)

    operator = ctx.browser()
    operator.open("/admin")
    operator.wait_for_path("/admin/sign-in")
    operator.wait_for("form#sign-in")
    check_page(operator.driver, "admin-sign-in")
    operator.submit("form#sign-in", email=OPERATOR_EMAIL, password=ctx.server.operator_password)
    operator.wait_for_path("/admin")
    check_page(operator.driver, "admin-overview")

    operator.open("/admin/tenants")
    operator.wait_for("form#search")
    check_page(operator.driver, "admin-tenants")
    operator.submit("form#search", q=owner.tenant_name)
    operator.wait_for("table#tenants tr[data-tenant-slug]", f"a row of table#tenants for {owner.tenant_name}")
    rows = [row for row in operator.find_all("table#tenants tr[data-tenant-slug]") if owner.tenant_name in row.text]
    check(len(rows) == 1, f"{len(rows)} rows of table#tenants name {owner.tenant_name!r} after the search, not one")
    links = [a for a in operator.find_all("a[href]", within=rows[0])
             if re.fullmatch(r"/admin/tenants/[^/]+", urllib.parse.urlsplit(a.get_attribute("href")).path)]
    check(links, f"the row of {owner.tenant_name} has no link to /admin/tenants/<id>")
    operator.act(links[0].click)
    check(re.fullmatch(r"/admin/tenants/[^/]+", operator.path), f"the tenant's link leads to {operator.path}")
    operator.wait_for("form#suspend")
    check(tenant_status(operator) == "active", f"the new tenant's status reads {tenant_status(operator)!r}, not active")
    check_page(operator.driver, "admin-tenant")
    operator.submit("form#suspend", reason="Browser test: suspended on purpose")
    wait_until(lambda: tenant_status(operator) == "suspended", "[data-tenant-status] to read suspended",
               describe=lambda: f"it reads {tenant_status(operator)!r}{operator.alert_text()}")
    operator.wait_for("form#reactivate")

    owner_browser.click_link("/console/members", within="nav#console-nav")
    owner_browser.wait_for_path("/console/sign-in")
    owner_browser.wait_for('[role="alert"]', "a role=alert explaining the suspension")
    check_page(owner_browser.driver, "sign-in-suspended")

    for path, marker in (("/admin/plans", "[data-plan-id]"), ("/admin/plans/pro", "form#edit-plan"),
                         ("/admin/operators", "table#operators"), ("/admin/audit", "table#platform-audit-events"),
                         ("/admin/audit/platform", "table#platform-trail [data-event-id]"),
                         ("/admin", "table#job-queues")):
        operator.open(path)
        operator.wait_for(marker)
        check_page(operator.driver, "admin-" + (path.strip("/").replace("/", "-") or "home"))


class WebhookReceiver:
    """A real HTTP endpoint on loopback: records each delivery (headers and body) and answers
    204, as a customer's endpoint would."""

    def __init__(self):
        self.deliveries = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.deliveries.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def standard_webhooks_signature(secret, headers, body):
    """The `v1,…` signature Standard Webhooks defines for a delivery, from the endpoint's secret."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def webhook_test_delivery(ctx):
    receiver = WebhookReceiver()
    try:
        browser = ctx.browser()
        sign_up(browser)
        browser.click_link("/console/webhooks", within="nav#console-nav")
        browser.wait_for_path("/console/webhooks")
        browser.wait_for("form#create-endpoint")
        check_page(browser.driver, "webhooks")
        browser.submit("form#create-endpoint", url=receiver.url, description="CI receiver")
        secret = browser.wait_for("code#new-endpoint-secret").text.strip()
        check(secret.startswith("whsec_"), f"the endpoint's secret is {secret[:10]!r}…, not whsec_…")
        check_page(browser.driver, "webhook-secret")
        link = browser.find("table#webhook-endpoints tr[data-endpoint-id] a")
        browser.act(link.click)
        browser.wait_for("form#send-test")
        endpoint_path = browser.path
        check_page(browser.driver, "webhook-endpoint")
        browser.act(browser.find("form#send-test button").click)
        browser.wait_for('[role="status"]', "the test event's notice")

        def delivered():
            browser.open(endpoint_path)
            rows = browser.find_all('table#webhook-messages tr[data-status="delivered"]')
            return next((row for row in rows if "webhook.test" in row.text), None)

        # The endpoint also gets the event of its own creation; the test event is the one sought.
        row = wait_until(delivered, "the test message to show as delivered", timeout=30, interval=0.5)
        tests = [(headers, body) for headers, body in receiver.deliveries if b'"webhook.test"' in body]
        check(len(tests) == 1, f"the receiver got {len(tests)} test deliveries, not one")
        headers, body = tests[0]
        expected = standard_webhooks_signature(secret, headers, body)
        check(expected in headers.get("webhook-signature", "").split(" "),
              "the delivery's webhook-signature does not verify with the secret the console showed")
        browser.act(browser.find("a", within=row).click)
        browser.wait_for("table#webhook-attempts")
        check_page(browser.driver, "webhook-message")
    finally:
        receiver.close()



SAML_IDP = ROOT / "scripts" / "test-peers" / "saml_idp.py"


def saml_idp(command, payload):
    """Runs the SAML identity provider of the Swift tests (signxml signs, not our code)."""
    result = subprocess.run(["python3", str(SAML_IDP), command], input=json.dumps(payload).encode(),
                            capture_output=True, timeout=60)
    check(result.returncode == 0, f"saml_idp.py {command} failed: {result.stderr.decode()[-500:]}")
    return result.stdout.decode()


class IdentityProvider:
    """A SAML identity provider on loopback (another site than the console): its sign-in page
    answers an AuthnRequest with a signed Response for `email`, in a form the person submits
    to the console's assertion consumer, as a real provider's page does."""

    def __init__(self, workdir, email):
        self.key_dir = str(workdir / "idp-keys")
        subprocess.run(["python3", str(SAML_IDP), "keys", self.key_dir], check=True, capture_output=True, timeout=60)
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                if not self.path.startswith("/sso?"):  # the browser's favicon, say
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                url = f"http://127.0.0.1:{provider.port}{self.path}"
                request = json.loads(saml_idp("inspect-request", {"url": url}))
                answer = json.loads(saml_idp("response", {
                    "key_dir": provider.key_dir, "now": int(time.time()), "issuer": provider.entity_id,
                    "in_response_to": request["id"], "destination": request["acs"], "recipient": request["acs"],
                    "audience": provider.audience, "name_id": email, "assertion_id": "_b-" + secrets.token_hex(8),
                }))
                page = (
                    "<!doctype html><html lang=en><title>Identity provider</title><main>"
                    f"<form id=idp-continue method=post action=\"{html.escape(request['acs'])}\">"
                    f"<input type=hidden name=SAMLResponse value=\"{html.escape(answer['response'])}\">"
                    f"<input type=hidden name=RelayState value=\"{html.escape(request.get('relay_state') or '')}\">"
                    "<button type=submit>Continue</button></form></main>"
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *arguments):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.entity_id = "https://idp.browser-test.example/metadata"
        self.audience = None  # the service provider's entity id, once the connection exists
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def metadata(self):
        return saml_idp("metadata", {"key_dir": self.key_dir, "entity_id": self.entity_id,
                                     "sso_redirect": f"http://127.0.0.1:{self.port}/sso", "signing_key": "idp"})

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sso_sign_in(ctx):
    """An owner adds a SAML connection in the console; a colleague opens the tenant's own host,
    picks the connection on its sign-in page, signs in at the identity provider (another site)
    and lands in the console signed in: the cookies survive the journey across sites."""
    colleague_email = "ada@sso-browser.example"
    provider = IdentityProvider(ctx.server.workdir, colleague_email)
    try:
        owner = ctx.browser()
        sign_up(owner)
        owner.open("/console/settings")
        slug = owner.wait_for("form#settings p.hint code").text.strip()
        owner.open("/console/sso")
        owner.wait_for("form#create-connection")
        owner.driver.execute_script(
            "document.getElementById('metadata-xml').value = arguments[0]", provider.metadata())
        owner.submit("form#create-connection", name="Browser IdP", domains="sso-browser.example",
                     return_url="http://127.0.0.1:9/signed-in", protocol="saml")
        provider.audience = owner.wait_for("code#sp-entity-id").text.strip()
        check_page(owner.driver, "sso-connection-saml")

        colleague = ctx.browser()
        port = urllib.parse.urlsplit(ctx.server.base_url).port
        tenant_host = f"http://{slug}.console.test:{port}"
        colleague.open(tenant_host + "/console/sign-in")
        colleague.wait_for('a[href^="/console/sign-in/sso/start"]')
        check_page(colleague.driver, "sign-in-sso")
        colleague.act(colleague.find('a[href^="/console/sign-in/sso/start"]').click)
        colleague.wait_for("form#idp-continue")
        check(urllib.parse.urlsplit(colleague.driver.current_url).port == provider.port,
              f"the button leads to {colleague.driver.current_url}, not the identity provider")
        colleague.act(colleague.find("form#idp-continue button").click)
        colleague.wait_for("nav#console-nav", "the console's navigation after the single sign-on")
        check(urllib.parse.urlsplit(colleague.driver.current_url).hostname == f"{slug}.console.test",
              f"the sign-on ends at {colleague.driver.current_url}, not on the tenant's host")
        check(colleague.path == "/console", f"the sign-on ends at {colleague.path}, not /console")
        check("ada" in colleague.find("header.top .who").text, "the console does not name the colleague")
        check_page(colleague.driver, "sso-signed-in")
    finally:
        provider.close()


def every_console_page(ctx):
    """Every page the tenant console's navigation offers an owner, and the pages one level
    below (a role, a team), in English and in Portuguese, passes the page checks."""
    browser = ctx.browser()
    sign_up(browser)
    browser.open("/console/teams")
    browser.wait_for("form#create-team")
    browser.submit("form#create-team", name="Platform")
    browser.wait_for("table#team-members")
    check_page(browser.driver, "team")
    browser.open("/console/roles")
    browser.wait_for("table#roles")
    browser.act(browser.find("table#roles tr[data-role-id] a").click)
    browser.wait_for("form#edit-role")
    check_page(browser.driver, "role")
    browser.open("/console/webhook-sources")
    browser.wait_for("form#create-source")
    browser.submit("form#create-source", name="Payments")
    browser.wait_for("code#new-source-secret")
    check_page(browser.driver, "webhook-source-created")
    browser.act(browser.find("table#webhook-sources tr[data-source-id] a").click)
    browser.wait_for("table#webhook-receipts")
    check_page(browser.driver, "webhook-source")
    browser.open("/console/domains")
    browser.wait_for("form#claim-domain")
    browser.submit("form#claim-domain", domain="browser-test.example")
    browser.wait_for("code#record-value")
    check_page(browser.driver, "domain")
    browser.open("/console/sso")
    browser.wait_for("form#create-connection")
    browser.submit("form#create-connection", name="Okta", domains="browser-test.example",
                   return_url="http://127.0.0.1:9/signed-in", issuer="https://id.browser-test.example", client_id="abc")
    browser.wait_for("code#redirect-uri")
    check_page(browser.driver, "sso-connection")
    for language in ("en", "pt-BR"):
        if language == "pt-BR":
            browser.open("/console/profile")
            browser.submit("form#preferences", locale="pt-BR")
            browser.wait_for('[role="status"]')
        browser.open("/console")
        links = [a.get_attribute("href") for a in browser.find_all("nav#console-nav a[href]")]
        check(len(links) >= 8, f"the owner's navigation has {len(links)} links")
        for href in links:
            browser.open(href)
            browser.wait_for("main#main h1")
            check(browser.html_lang() == language, f"{href} is in {browser.html_lang()}, not {language}")
            check_page(browser.driver, f"nav-{language}-{urllib.parse.urlsplit(href).path.strip('/').replace('/', '-')}")

SCENARIOS = (
    anonymous_redirects,
    sign_up_and_sign_in,
    api_key_create_and_revoke,
    invite_and_accept,
    portuguese,
    totp_enrol_and_sign_in,
    operator_suspends_tenant,
    webhook_test_delivery,
    sso_sign_in,
    every_console_page,
)


# --- the harness's own check (--self-check) ------------------------------------------------

GOOD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Good page</title>
<style>:focus-visible { outline: 3px solid #1a4fd6; }</style></head>
<body><header><a href="#main">Skip to content</a></header>
<main id="main"><h1>Good page</h1>
<form><label for="e">Email</label><input id="e" name="email" type="email">
<label for="r">Role</label><select id="r" name="role"><option value="member">Member</option></select>
<input type="hidden" name="csrf" value="x"><button type="button" disabled>Disabled</button>
<button type="button" style="display:none">Hidden</button>
<button type="submit">Send</button></form></main></body></html>"""

BAD_AXE_PAGE = GOOD_PAGE.replace("<title>Good page</title>", "<title>Bad page</title>").replace(
    '<button type="submit">Send</button>', '<button type="submit"></button><img src="data:,">'
)  # a button without a name and an image without alt text: both critical
POSITIVE_TABINDEX_PAGE = GOOD_PAGE.replace('<input id="e"', '<input tabindex="3" id="e"')
TRAP_PAGE = GOOD_PAGE.replace(
    "</body>",
    "<script>document.getElementById('e').addEventListener('keydown', "
    "e => { if (e.key === 'Tab') e.preventDefault(); });</script></body>",
)
UNREACHABLE_PAGE = GOOD_PAGE.replace(
    '<button type="submit">Send</button>', '<button type="submit" tabindex="-1">Send</button>'
)
NO_MAIN_PAGE = GOOD_PAGE.replace('<main id="main">', "<main>")
HIDDEN_FOCUS_PAGE = GOOD_PAGE.replace(":focus-visible { outline: 3px solid #1a4fd6; }", "select:focus { outline: none; }")


def expect_check_failure(check_function, driver, page, expected, name):
    try:
        check_function(driver, name)
    except CheckFailed as error:
        check(expected in str(error),
              f"{check_function.__name__} failed on the {page}, but not about {expected!r}: {error}")
        return str(error)
    raise CheckFailed(f"{check_function.__name__} passed the {page}")


def harness_server(ctx):
    """The server started (port read from its log, /health/live answered), the operator made
    with --password-stdin signs in, and an invitation's email link is found in the log."""
    server = ctx.server
    status, _ = server.get("/health/live")
    check(status == 200, f"GET /health/live answered {status}")
    status, body = server.post_json("/api/v1/auth/login", {"email": OPERATOR_EMAIL, "password": server.operator_password})
    check(status == 200, f"the operator's sign-in answered {status}: {body}")
    owner = Account("owner")
    status, body = server.post_json(
        "/api/v1/auth/register",
        {"email": owner.email, "password": owner.password, "name": owner.name, "tenant_name": owner.tenant_name},
    )
    check(status in (200, 201), f"registering answered {status}: {body}")
    member = Account("member")
    token = body["tokens"]["access_token"]
    status, body = server.post_json("/api/v1/invitations", {"email": member.email, "role": "member"}, token=token)
    check(status in (200, 201, 202), f"inviting answered {status}: {body}")
    link = server.invitation_link(member.email)
    check(link.startswith(server.base_url + "/accept-invitation?token="), f"the invitation link is {link}")


def harness_pages(ctx):
    """check_page passes a good page and catches each kind of broken one."""
    driver = ctx.browser().driver
    folder = Path(tempfile.mkdtemp(prefix="tenantry-pages-"))
    try:
        # (page, html, the check that must fail on it, words its message must have). The
        # keyboard pages go to check_keyboard alone: axe also reports a positive tabindex.
        pages = (
            ("good page", GOOD_PAGE, None, None),
            ("page with a nameless button and an image without alt", BAD_AXE_PAGE, check_page, "button-name (critical)"),
            ("page with a positive tabindex", POSITIVE_TABINDEX_PAGE, check_keyboard, "positive tabindex"),
            ("page with a focus trap", TRAP_PAGE, check_keyboard, "focus trap"),
            ("page with an unreachable button", UNREACHABLE_PAGE, check_keyboard,
             'does not reach button[type="submit"] "Send"'),
            ("page without main#main", NO_MAIN_PAGE, check_page, 'no <main id="main">'),
            ("page hiding the focus of its select", HIDDEN_FOCUS_PAGE, check_keyboard, 'colour change) on select#r'),
        )
        for index, (page, html, check_function, expected) in enumerate(pages):
            path = folder / f"page-{index}.html"
            path.write_text(html)
            driver.get(path.as_uri())
            name = f"self-check-{index}"
            if check_function is None:
                check_page(driver, name)
                continue
            message = expect_check_failure(check_function, driver, page, expected, name)
            if check_function is check_page and expected.startswith("button-name"):
                check("image-alt (critical)" in message, f"axe missed the image without alt: {message}")
        shots = sorted(p.name for p in ARTIFACTS.folder.glob("*-self-check-*.png"))
        check(len(shots) == 3, f"{len(shots)} screenshots of check_page saved, not 3: {shots}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def harness_totp(ctx):
    """The TOTP code of RFC 6238's SHA-1 test vector (T = 59 s gives 94287082, 8 digits)."""
    secret = base64.b32encode(b"12345678901234567890").decode()
    check(totp(secret, 59 // 30) == "287082", f"TOTP of the RFC 6238 vector is {totp(secret, 1)}, not 287082")


SELF_CHECKS = (harness_server, harness_pages, harness_totp)


# --- the runner ----------------------------------------------------------------------------


def run_scenario(scenario, server):
    name = scenario.__name__
    ctx = Context(server)
    started = time.monotonic()
    try:
        scenario(ctx)
        print(f"PASS {name} ({time.monotonic() - started:.1f} s)", flush=True)
        return True
    except Exception as error:
        reason = str(error) if isinstance(error, CheckFailed) else f"{type(error).__name__}: {error}".strip()
        first, _, rest = reason.partition("\n")
        # The scenario's own line; the whole traceback goes to FAIL-<name>.txt.
        where = next(
            (f"  at {Path(frame.filename).name}:{frame.lineno} in {frame.name}"
             for frame in traceback.extract_tb(error.__traceback__)
             if frame.name == name),
            "",
        )
        print(f"FAIL {name}: {first}", flush=True)
        if rest and isinstance(error, CheckFailed):  # other errors' details are in FAIL-<name>.txt
            print(rest, flush=True)
        if where:
            print(where, flush=True)
        save_failure(name, ctx, error)
        return False
    finally:
        ctx.close()


def save_failure(name, ctx, error):
    folder = ARTIFACTS.folder
    (folder / f"FAIL-{name}.txt").write_text("".join(traceback.format_exception(error)))
    for index, browser in enumerate(ctx.browsers):
        suffix = "" if index == 0 else f"-{index + 1}"
        try:
            browser.driver.save_screenshot(str(folder / f"FAIL-{name}{suffix}.png"))
            (folder / f"FAIL-{name}{suffix}.html").write_text(
                f"<!-- {browser.driver.current_url} -->\n{browser.driver.page_source}"
            )
        except Exception as save_error:
            print(f"  (could not save the page of session {index + 1}: {save_error})", flush=True)


def parse_arguments():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="print the scenario names and exit")
    parser.add_argument("--only", metavar="NAME", help="run this scenario only")
    parser.add_argument("--scenarios", metavar="NAME,NAME", help="run these scenarios only")
    parser.add_argument("--self-check", action="store_true", help="check the harness itself, not the consoles")
    return parser.parse_args()


def selected_scenarios(options):
    names = [scenario.__name__ for scenario in SCENARIOS]
    wanted = []
    if options.only:
        wanted.append(options.only)
    if options.scenarios:
        wanted.extend(name.strip() for name in options.scenarios.split(",") if name.strip())
    unknown = [name for name in wanted if name not in names]
    if unknown:
        sys.exit(f"unknown scenario(s): {', '.join(unknown)} (--list names them)")
    return [scenario for scenario in SCENARIOS if not wanted or scenario.__name__ in wanted]


def main():
    global ARTIFACTS
    options = parse_arguments()
    if options.list:
        print("\n".join(scenario.__name__ for scenario in SCENARIOS))
        return 0
    scenarios = SELF_CHECKS if options.self_check else selected_scenarios(options)
    binary = os.environ.get("TENANTRY_TEST_BINARY")
    if not binary:
        sys.exit("TENANTRY_TEST_BINARY is not set: set it to the built tenantry executable")
    binary = str(Path(binary).resolve())
    for program in (CHROMIUM, CHROMEDRIVER):
        if not os.access(program, os.X_OK):
            sys.exit(f"{program} is missing (apt-get install chromium chromium-driver, or run scripts/browser-test)")

    # SIGTERM (a CI timeout) unwinds like Ctrl-C, so the server and the folder are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ARTIFACTS = Artifacts()
    workdir = tempfile.mkdtemp(prefix="tenantry-browser-")
    server = Server(binary, workdir)
    results = []
    try:
        server.start()
        for scenario in scenarios:
            results.append(run_scenario(scenario, server))
    except (RuntimeError, CheckFailed) as error:  # the server did not start
        print(f"FAIL server start: {error}", flush=True)
        results.append(False)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        results.append(False)
    finally:
        status = server.stop()
        if server.process is not None:
            server.save_log(ARTIFACTS.folder / "server.log")
        shutil.rmtree(workdir, ignore_errors=True)
    if options.self_check:
        check_stop = status == 0 and not Path(workdir).exists()
        print(f"{'PASS' if check_stop else 'FAIL'} harness_stop: server exit status {status}, folder "
              f"{'still there' if Path(workdir).exists() else 'removed'}", flush=True)
        results.append(check_stop)
    passed = sum(1 for result in results if result)
    print(f"browser: {passed} passed, {len(results) - passed} failed", flush=True)
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
