"""A real Dovecot IMAP server for the tests (Debian's ``dovecot-imapd``; ``make test`` installs
it), started in the foreground on 127.0.0.1 with a throw-away config, passwd-file and maildir
in a temp folder, and stopped afterwards.

Run as a normal user, every Dovecot process is that user. Run as root (as CI is), Dovecot will
not log in or read mail as root: the login processes run as Debian's ``dovenull``, the mail
processes as ``dovecot``, and the folder is made theirs. Optionally with TLS: a certificate
authority made by ``trustme`` signs the server's certificate for 127.0.0.1, and ``ca_file`` is
the file a client trusts it with."""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USERS = {"alice": "wonderland"}


def unavailable() -> str | None:
    """Why a Dovecot server cannot be started here, or None when it can."""
    if not os.path.exists(DOVECOT):
        return ("dovecot is not installed (make test installs Debian's dovecot-imapd with "
                "apt-get; or: apt-get install dovecot-imapd)")
    if os.geteuid() == 0:
        for name in ("dovenull", "dovecot"):
            try:
                pwd.getpwnam(name)
            except KeyError:
                return f"running as root and the {name} user is missing (Debian's package " \
                       "creates it)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Dovecot:
    def __init__(self, users: dict[str, str] | None = None, *, tls: bool = False,
                 sent: str = "Sent Items", extra: str = "") -> None:
        self.users = dict(users or USERS)
        self.extra = extra
        """More configuration lines (e.g. ``imap_capability = ...``: a plainer server)."""
        self.tls = tls
        self.sent = sent
        self.root = Path(tempfile.mkdtemp(prefix="crb-dovecot-"))
        self.port = free_port()
        self.tls_port = free_port() if tls else 0
        self.ca_file = self.root / "ca.pem"
        self.process: subprocess.Popen[bytes] | None = None
        self._count = 0
        root = os.geteuid() == 0
        self.mail_user = pwd.getpwnam("dovecot") if root else pwd.getpwuid(os.getuid())
        self.login_user = "dovenull" if root else self.mail_user.pw_name
        self.root.chmod(0o755)

    # -- set-up ---------------------------------------------------------------------------

    def maildir(self, user: str = "alice") -> Path:
        return self.root / "mail" / user

    def folder_dir(self, folder: str, user: str = "alice") -> Path:
        base = self.maildir(user)
        return base if folder.upper() == "INBOX" else base / f".{folder}"

    def add(self, folder: str, messages: Iterable[bytes], *, user: str = "alice",
            seen: bool = False) -> int:
        """Messages written straight into the maildir (new/, unread; cur/ with ``S`` when
        ``seen``), as a delivery agent would: Dovecot gives them UIDs when it next looks."""
        path = self.folder_dir(folder, user)
        for sub in ("cur", "new", "tmp"):
            (path / sub).mkdir(parents=True, exist_ok=True)
        n = 0
        for raw in messages:
            self._count += 1
            name = f"{int(time.time())}.M{self._count}P{os.getpid()}.crbtest"
            target = path / "cur" / f"{name}:2,S" if seen else path / "new" / name
            target.write_bytes(raw)
            n += 1
        self._own(self.root / "mail")
        return n

    def _own(self, path: Path) -> None:
        if os.geteuid() != 0:
            return
        uid, gid = self.mail_user.pw_uid, self.mail_user.pw_gid
        for folder, dirs, files in os.walk(path):
            os.chown(folder, uid, gid)
            for name in dirs + files:
                os.chown(os.path.join(folder, name), uid, gid)

    def _certificates(self) -> tuple[Path, Path]:
        import trustme

        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        ca.cert_pem.write_to_path(str(self.ca_file))
        chain, key = self.root / "cert.pem", self.root / "key.pem"
        chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        cert.private_key_pem.write_to_path(str(key))
        return chain, key

    def _config(self) -> str:
        r = self.root
        passwd = r / "passwd"
        passwd.write_text("".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()))
        passwd.chmod(0o600)
        mail = self.mail_user
        if self.tls:
            chain, key = self._certificates()
            ssl = f"ssl = yes\nssl_cert = <{chain}\nssl_key = <{key}\n"
        else:
            ssl = "ssl = no\n"
        return f"""\
base_dir = {r}/run
state_dir = {r}/state
log_path = {r}/dovecot.log
protocols = imap
listen = 127.0.0.1
{ssl}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_login_user = {self.login_user}
default_internal_user = {mail.pw_name}
default_internal_group = {grp.getgrgid(mail.pw_gid).gr_name}
first_valid_uid = 1
mail_location = maildir:{r}/mail/%u
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={r}/home/%u
}}
namespace inbox {{
  inbox = yes
  mailbox "{self.sent}" {{
    special_use = \\Sent
  }}
  mailbox Drafts {{
    special_use = \\Drafts
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.tls_port}
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  user = {'root' if os.geteuid() == 0 else mail.pw_name}
}}
{self.extra}
"""

    # -- running --------------------------------------------------------------------------

    def start(self) -> Dovecot:
        conf = self.root / "dovecot.conf"
        conf.write_text(self._config())
        (self.root / "home").mkdir(exist_ok=True)
        self.maildir().mkdir(parents=True, exist_ok=True)
        self._own(self.root / "mail")
        self._own(self.root / "home")
        # A session of its own: stopping it ends every process it started (the IMAP processes
        # serving open connections outlive the master otherwise).
        self.process = subprocess.Popen([DOVECOT, "-F", "-c", str(conf)],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                out = self.process.stdout.read().decode() if self.process.stdout else ""
                raise RuntimeError(f"dovecot did not start: {out}{self.log()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not answer on port {self.port}: {self.log()}")

    def stop(self) -> None:
        """Dovecot and every process of its session (connections in progress are cut)."""
        if self.process is not None and self.process.poll() is None:
            group = self.process.pid
            try:
                os.killpg(group, signal.SIGTERM)
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(group, signal.SIGKILL)
                self.process.wait(5)
            try:
                os.killpg(group, signal.SIGKILL)  # anything left of it
            except ProcessLookupError:
                pass
        if self.process is not None and self.process.stdout:
            self.process.stdout.close()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def client(self, user: str = "alice") -> Any:
        """A logged-in ``IMAPClient`` for the test's own look (plain, on the plain port)."""
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(user, self.users[user])
        return client


class CuttingProxy:
    """A TCP relay in front of the server that, once, cuts a connection in the middle of the
    ``cut_at``-th ``FETCH`` response line it relays (the client sees the socket close half-way
    through a batch; 0: never); every later connection is relayed whole. ``delay`` seconds
    pass before each piece the server sends is relayed (a slow server)."""

    def __init__(self, port: int, cut_at: int, delay: float = 0.0) -> None:
        self.target = port
        self.cut_at = cut_at
        self.delay = delay
        self.connections = 0
        self.cuts = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._server.getsockname()[1]
        self._stop = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            self.connections += 1
            upstream = socket.create_connection(("127.0.0.1", self.target))
            armed = self.cuts == 0 and self.cut_at > 0
            threading.Thread(target=self._pump, args=(client, upstream, False, 0.0),
                             daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, armed, self.delay),
                             daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, armed: bool, delay: float) -> None:
        fetches = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if delay:
                    time.sleep(delay)
                if armed:
                    at = -1
                    while fetches < self.cut_at:
                        at = data.find(b" FETCH (", at + 1)
                        if at < 0:
                            break
                        fetches += 1
                    if fetches >= self.cut_at and at >= 0:
                        dst.sendall(data[:at + 20])
                        self.cuts += 1
                        break
                dst.sendall(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self) -> None:
        self._stop = True
        self._server.close()
