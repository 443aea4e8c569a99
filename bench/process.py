"""What the kernel knows about the server process tree: memory (RSS) and CPU time, from /proc."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    """Direct children of a process (every thread's list, as the kernel keeps them per thread)."""
    found: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            text = (task / "children").read_text()
        except OSError:
            return _children_by_scan(pid)  # kernels without CONFIG_PROC_CHILDREN
        found.extend(int(p) for p in text.split())
    return found


def _children_by_scan(pid: int) -> list[int]:
    found = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ')'.
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return found


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (uvicorn --workers N forks N children)."""
    tree = [pid]
    index = 0
    while index < len(tree):
        tree.extend(_children(tree[index]))
        index += 1
    return tree


def _rss_bytes(pid: int) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass  # the process ended between listing and reading
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rfind(")") + 2 :].split()
    # utime and stime are fields 14 and 15 of stat(5); fields[0] here is field 3.
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


@dataclass(frozen=True)
class TreeSample:
    """Resident memory and CPU time summed over a process tree."""

    rss_bytes: int
    cpu_seconds: float
    processes: int


def sample_tree(pids: Iterable[int]) -> TreeSample:
    """RSS and CPU time summed over the given processes (vanished ones count zero)."""
    pid_list = list(pids)
    return TreeSample(
        rss_bytes=sum(_rss_bytes(p) for p in pid_list),
        cpu_seconds=sum(_cpu_seconds(p) for p in pid_list),
        processes=len(pid_list),
    )


def is_running(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"


def machine_facts() -> dict[str, str | int]:
    """Cores, CPU model and memory of this machine, for the report."""
    facts: dict[str, str | int] = {"cores": os.cpu_count() or 0}
    try:
        for line in (PROC / "cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                facts["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in (PROC / "meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                facts["memory_mb"] = int(line.split()[1]) // 1024
                break
    except OSError:
        pass
    return facts


def machine_cpu_seconds() -> float:
    """CPU time all cores have spent busy since boot (from /proc/stat), in seconds.

    Compared with the server's and the client's own CPU time over a run, it shows how much
    the rest of the machine (PostgreSQL, or anything else running) took at the same time.
    """
    try:
        first = (PROC / "stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return 0.0
    # cpu user nice system idle iowait irq softirq steal …: busy excludes idle and iowait.
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (user + nice + system + irq + softirq + steal) / _CLOCK_TICKS


def load_average() -> float:
    """The one-minute load average."""
    try:
        return float((PROC / "loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 0.0


def _command_name(pid: str) -> str:
    try:
        stat = (PROC / pid / "stat").read_text()
    except OSError:
        return ""
    return stat[stat.find("(") + 1 : stat.rfind(")")]


# A backend's title: "postgres: [CLUSTER: ]USER DATABASE HOST(PORT) STATE"; helpers (checkpointer,
# WAL writer …) have no user, database or host.
_BACKEND_TITLE = re.compile(r"^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")


def postgres_pids(database: str | None = None) -> list[int]:
    """Every local ``postgres`` process; with ``database``, only that database's backends plus
    the server's own helpers (postmaster, WAL writer, checkpointer …)."""
    found: list[int] = []
    for entry in PROC.iterdir():
        if not entry.name.isdigit() or _command_name(entry.name) != "postgres":
            continue
        if database is not None:
            try:
                raw = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            match = _BACKEND_TITLE.match(raw.replace(b"\0", b" ").decode(errors="replace"))
            if match is not None and match.group(1) != database:
                continue
        found.append(int(entry.name))
    return found


def cpu_seconds_of(pids: Iterable[int]) -> float:
    """utime + stime summed over the processes (vanished ones count zero)."""
    return sum(_cpu_seconds(p) for p in pids)
