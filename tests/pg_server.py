"""A throw-away PostgreSQL cluster for the tests: Debian's binaries, a temporary directory,
a free port on 127.0.0.1, trust authentication, gone when the test session ends.

``initdb`` refuses to run as root, so as root every server command runs as the ``postgres``
user (created by Debian's ``postgresql`` package) in a directory that user owns.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PostgresServer", "find_bin_dir", "start_server"]

DATABASE = "doseopt_test"
_INSTALL_HINT = ("PostgreSQL server binaries (initdb, pg_ctl) were not found under "
                 "/usr/lib/postgresql/*/bin or on PATH. Install them with "
                 "`apt-get install -y postgresql` (scripts/test.sh does this when run as root).")


class PostgresUnavailableError(RuntimeError):
    """The server could not be found or started; the message says why and what to do."""


def find_bin_dir() -> Path:
    """The directory holding ``initdb`` and ``pg_ctl``: Debian's newest version, else PATH."""
    def version_key(path: str) -> tuple[int, ...]:
        name = Path(path).parent.parent.name
        return tuple(int(p) for p in name.split(".") if p.isdigit())

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=version_key)
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    raise PostgresUnavailableError(_INSTALL_HINT)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class PostgresServer:
    """A running throw-away cluster."""

    bin_dir: Path
    root: Path
    port: int
    as_user: tuple[str, ...]

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def log_file(self) -> Path:
        return self.root / "server.log"

    def url(self, database: str = DATABASE) -> str:
        """SQLAlchemy URL of ``database`` (psycopg 3 driver, trust authentication)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run a server binary (as the cluster's owner); raises with its output on failure."""
        cmd = [*self.as_user, str(self.bin_dir / args[0]), *args[1:]]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
        if done.returncode != 0:
            log = self.log_file.read_text() if self.log_file.exists() else ""
            raise PostgresUnavailableError(
                f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}{done.stderr}\n{log}")
        return done

    @property
    def options(self) -> str:
        """Server settings: this port and socket directory only, no durability (throw-away)."""
        return (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 "
                "-c fsync=off -c synchronous_commit=off -c full_page_writes=off")

    def start(self) -> None:
        """Start the server and wait until it accepts connections."""
        self.run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                 "-o", self.options, "-w", "-t", "60", "start")

    def restart(self) -> None:
        """Stop and start again (fast shutdown: open connections are terminated)."""
        self.run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file),
                 "-o", self.options, "-m", "fast", "-w", "-t", "60", "restart")

    def create_database(self, name: str) -> str:
        """Create an empty database; returns its URL."""
        self.run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return self.url(name)

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        try:
            self.run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _owner() -> tuple[tuple[str, ...], int | None, int | None]:
    """The command prefix, uid and gid the cluster runs as (``postgres`` when we are root)."""
    if os.geteuid() != 0:
        return (), None, None
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailableError(
            "running as root, but there is no `postgres` user to own the test cluster "
            "(initdb refuses root). " + _INSTALL_HINT) from None
    runner = shutil.which("runuser")
    if runner is None:
        raise PostgresUnavailableError("running as root, but `runuser` (util-linux) is missing; "
                                       "it runs initdb as the postgres user")
    prefix = (runner, "-u", "postgres", "--")
    return prefix, user.pw_uid, user.pw_gid


def start_server() -> PostgresServer:
    """initdb into a fresh temporary directory, start on a free port, create the database."""
    bin_dir = find_bin_dir()
    prefix, uid, gid = _owner()
    root = Path(tempfile.mkdtemp(prefix="doseopt-pg-"))
    if uid is not None and gid is not None:
        os.chown(root, uid, gid)
    server = PostgresServer(bin_dir=bin_dir, root=root, port=_free_port(), as_user=prefix)
    try:
        server.run("initdb", "-D", str(server.data_dir), "-U", "postgres", "-A", "trust",
                   "-E", "UTF8", "--no-locale", "--no-sync")
        server.start()
        server.create_database(DATABASE)
    except BaseException:
        if (server.data_dir / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(root, ignore_errors=True)
        raise
    return server
