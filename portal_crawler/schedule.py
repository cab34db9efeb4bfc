"""`schedule`: run the crawl every N minutes/hours/days with systemd or cron.

The installed job runs ``python -m portal_crawler crawl ... --summary-json FILE`` and
treats every exit code but 0 as a failure - the monitors' 7 (findings) included - so
``systemctl --failed``, ``OnFailure=`` or cron's mail tell the operator. Installing writes
files only (a service and a timer, or a cron.d file); it never starts or enables
anything: the command to do that is printed.
"""
from __future__ import annotations

import getpass
import os
import re
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path

__all__ = ["ScheduleError", "Every", "parse_every", "crawl_command", "systemd_units", "cron_file",
           "install", "installed", "default_dir", "NAME"]

NAME = "portal-crawler"
UNITS = (f"{NAME}.service", f"{NAME}.timer")
CRON_FILE = NAME


class ScheduleError(ValueError):
    """Bad input to `schedule`; the message is one line saying what to fix."""


@dataclass(frozen=True)
class Every:
    n: int
    unit: str  # "m", "h" or "d"

    def __str__(self) -> str:
        return f"{self.n}{self.unit}"

    @property
    def on_calendar(self) -> str:
        """systemd OnCalendar= for the same times as the cron line."""
        if self.unit == "m":
            return f"*-*-* *:00/{self.n}:00"
        if self.unit == "h":
            return f"*-*-* 00/{self.n}:00:00"
        return f"*-*-01/{self.n} 00:00:00" if self.n > 1 else "*-*-* 00:00:00"

    @property
    def cron(self) -> str:
        if self.unit == "m":
            return f"*/{self.n} * * * *"
        if self.unit == "h":
            return f"0 */{self.n} * * *"
        return f"0 0 */{self.n} * *" if self.n > 1 else "0 0 * * *"


_LIMITS = {"m": 60, "h": 24, "d": 31}


def parse_every(text: str) -> Every:
    """``30m``, ``6h``, ``1d``: a period both cron and systemd can repeat evenly (minutes
    dividing an hour, hours dividing a day)."""
    m = re.fullmatch(r"\s*(\d+)\s*(m|min|h|d)\s*", text or "")
    if not m:
        raise ScheduleError(f"--every {text!r}: use a number and m, h or d (30m, 6h, 1d)")
    n, unit = int(m.group(1)), m.group(2)[0]
    if unit in "mh" and (n < 1 or _LIMITS[unit] % n):
        raise ScheduleError(f"--every {text!r}: {'minutes must divide 60' if unit == 'm' else 'hours must divide 24'}"
                            f" (cron and systemd repeat within the {'hour' if unit == 'm' else 'day'})")
    if unit == "d" and not 1 <= n <= 31:
        raise ScheduleError(f"--every {text!r}: days must be 1..31")
    return Every(n, unit)


def crawl_command(db: str | Path, *, sites: list[str] | None = None, sites_file: str | Path | None = None,
                  summary_json: str | Path | None = None, python: str | None = None) -> list[str]:
    """The crawl the job runs (absolute paths: jobs do not start where the user stood)."""
    db = Path(db).resolve()
    cmd = [python or sys.executable, "-m", "portal_crawler", "crawl", "--db", str(db), "--no-progress",
           "--summary-json", str(Path(summary_json).resolve() if summary_json else db.with_name(db.stem + ".last-run.json"))]
    if sites_file is not None:
        cmd += ["--sites-file", str(Path(sites_file).resolve())]
    if sites:
        for s in sites:
            cmd += ["--site", s]
    else:
        cmd.append("--all")
    return cmd


def _systemd_quote(args: list[str]) -> str:
    # systemd's ExecStart= takes C-style quoting; `%` starts a specifier.
    out = []
    for a in args:
        a = a.replace("%", "%%")
        out.append(a if re.fullmatch(r"[\w@%+=:,./-]+", a) else '"' + a.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(out)


def systemd_units(every: Every, command: list[str], workdir: str | Path) -> dict[str, str]:
    """{file name: text} of the service and its timer."""
    service = f"""[Unit]
Description=portal-crawler: crawl the SME portal network (every {every})
Documentation=https://github.com/portal-crawler/portal-crawler
Wants=network-online.target
After=network-online.target

[Service]
Type=oneshot
WorkingDirectory={workdir}
ExecStart={_systemd_quote(command)}
# Only 0 is success: 1 errors, 4 unfinished, 5 nothing to crawl, 6 archive not
# writable, 7 monitor findings (coverage fell, no new articles, blocked) all fail the
# unit (systemctl --failed, OnFailure=). README "Exit codes".
SuccessExitStatus=0
Nice=10
"""
    timer = f"""[Unit]
Description=portal-crawler every {every}

[Timer]
OnCalendar={every.on_calendar}
Persistent=true
Unit={UNITS[0]}

[Install]
WantedBy=timers.target
"""
    return {UNITS[0]: service, UNITS[1]: timer}


def cron_file(every: Every, command: list[str], workdir: str | Path, user: str | None = None) -> str:
    """A cron.d file (with the user field): a failed run (any exit but 0, the monitors'
    7 included) writes one line to stderr, which cron mails to the owner."""
    user = user or getpass.getuser()
    run = " ".join(shlex.quote(a) for a in command).replace("%", "\\%")
    return (f"# portal-crawler: crawl every {every} (written by `portal-crawler schedule install --cron`)\n"
            f"SHELL=/bin/sh\n"
            f"{every.cron} {user} cd {shlex.quote(str(workdir))} && {run} >/dev/null 2>&1 "
            f"|| echo \"portal-crawler crawl failed: exit $?\" >&2\n")


def default_dir(cron: bool) -> Path:
    if cron:
        return Path("/etc/cron.d")
    if os.geteuid() == 0:
        return Path("/etc/systemd/system")
    return Path.home() / ".config" / "systemd" / "user"


def install(every: Every, command: list[str], *, cron: bool = False, folder: str | Path | None = None,
            workdir: str | Path | None = None) -> list[Path]:
    """Write the unit files (or the cron.d file) into ``folder``; returns their paths."""
    folder = Path(folder) if folder is not None else default_dir(cron)
    workdir = Path(workdir or os.getcwd()).resolve()
    files = {CRON_FILE: cron_file(every, command, workdir)} if cron else systemd_units(every, command, workdir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for name, text in files.items():
            p = folder / name
            p.write_text(text, encoding="utf-8")
            out.append(p)
    except OSError as e:
        raise ScheduleError(f"cannot write into {folder}: {e.strerror or e}") from None
    return out


def installed(folder: str | Path | None = None) -> list[tuple[Path, str]]:
    """(path, text) of what is installed: the systemd units and the cron.d file, looked for
    in ``folder`` or in the default folders."""
    folders = [Path(folder)] if folder is not None else [default_dir(False), default_dir(True)]
    out = []
    for f in folders:
        for name in (*UNITS, CRON_FILE):
            p = f / name
            if p.is_file():
                out.append((p, p.read_text(encoding="utf-8")))
    return out
