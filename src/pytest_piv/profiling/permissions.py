"""Can this machine profile? Checked before a profiled run starts, explained in one line.

py-spy started as the *parent* of the profiled command needs no root where the kernel lets
a process trace its own descendants (Yama ``ptrace_scope`` 0 or 1). Scope 2 needs
``CAP_SYS_PTRACE``, scope 3 forbids tracing altogether, and some container runtimes block
the system calls py-spy reads memory with unless ``SYS_PTRACE`` is granted. Each check
returns ``None`` when profiling can go ahead, else the reason with the fix; the caller then
skips profiling and runs the command unprofiled.
"""

from __future__ import annotations

import importlib.util
import tempfile
from dataclasses import dataclass
from pathlib import Path

from pytest_piv.tools import find_tool, run_tool

PTRACE_SCOPE = Path("/proc/sys/kernel/yama/ptrace_scope")
CAP_SYS_PTRACE = 19
PROBE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Host:
    """What the checks read from the machine (all optional: absent on non-Linux hosts)."""

    ptrace_scope: int | None
    cap_sys_ptrace: bool
    container: bool


def read_host(proc: Path = Path("/proc"), root: Path = Path("/")) -> Host:
    """The facts of this machine from ``/proc`` (and the container marker files)."""
    scope: int | None = None
    try:
        scope = int((proc / "sys/kernel/yama/ptrace_scope").read_text().strip())
    except (OSError, ValueError):
        scope = None
    caps = False
    try:
        for line in (proc / "self/status").read_text().splitlines():
            if line.startswith("CapEff:"):
                caps = bool(int(line.split()[1], 16) >> CAP_SYS_PTRACE & 1)
    except (OSError, ValueError, IndexError):
        caps = False
    container = (root / ".dockerenv").exists() or (root / "run/.containerenv").exists()
    if not container:
        try:
            cgroup = (proc / "1/cgroup").read_text()
        except OSError:
            cgroup = ""
        container = any(word in cgroup for word in ("docker", "kubepods", "containerd", "lxc"))
    return Host(ptrace_scope=scope, cap_sys_ptrace=caps, container=container)


def pyspy_blocker(executable: str | None, host: Host, tool: str = "py-spy") -> str | None:
    """Why py-spy cannot profile a command it starts here, with the fix; None if it can."""
    if executable is None:
        return f"{tool} is not installed (hint: pip install 'pytest-piv[profile]')"
    if host.ptrace_scope == 3:
        return (
            "the kernel forbids ptrace (kernel.yama.ptrace_scope = 3) and only a reboot lifts it"
            " (hint: profile on another machine, or boot with a lower ptrace_scope)"
        )
    if host.ptrace_scope == 2 and not host.cap_sys_ptrace:
        return (
            "kernel.yama.ptrace_scope = 2 lets only CAP_SYS_PTRACE trace processes"
            " (hint: sudo sysctl kernel.yama.ptrace_scope=1, or run as root)"
        )
    return None


def probe_blocker(stderr: str, host: Host) -> str:
    """The one-line reason when a short probe recording failed (its stderr)."""
    lowered = stderr.lower()
    if "permission" in lowered or "operation not permitted" in lowered:
        if host.container:
            return (
                "py-spy may not read process memory in this container"
                " (hint: run the container with --cap-add SYS_PTRACE)"
            )
        return (
            "py-spy may not read process memory here"
            " (hint: sudo sysctl kernel.yama.ptrace_scope=1, or run as root)"
        )
    last = next((ln for ln in reversed(stderr.splitlines()) if ln.strip()), "no output")
    return f"a short py-spy probe failed ({last.strip()})"


def check_pyspy(python: str, tool: str = "py-spy", *, probe: bool = True) -> str | None:
    """Whether py-spy can profile here: static checks, then a short real recording."""
    host = read_host()
    executable = find_tool(tool)
    blocker = pyspy_blocker(executable, host, tool)
    if blocker is not None or not probe or executable is None:
        return blocker
    with tempfile.TemporaryDirectory(prefix="piv-probe-") as tmp:
        out = Path(tmp) / "probe.json"
        result = run_tool(
            [
                executable,
                "record",
                "--rate",
                "200",
                "--format",
                "speedscope",
                "-o",
                str(out),
                "--",
                python,
                "-c",
                "import time; time.sleep(0.05)",
            ],
            timeout=PROBE_TIMEOUT_S,
        )
        if result.ok and out.is_file():
            return None
        return probe_blocker(result.stderr + result.stdout, host)


def memray_blocker() -> str | None:
    """Why memray cannot measure memory here, with the fix; None if it can."""
    try:
        found = importlib.util.find_spec("memray") is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return "memray is not installed (hint: pip install 'pytest-piv[profile]')"
    return None
