#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark ac tools against `jq -c .` on generated shop-order NDJSON.

Usage:
    python3 tests/bench/run.py [--bin DIR] [--records N] [--tool NAME ...]

Generates N records once (tests/bench/data/orders-N.ndjson, via gen.py, reused
on later runs), then runs the baseline `jq -c .` and each tool 3 times with
stdin from that file and stdout/stderr to /dev/null.  For every run it records
wall time, the command's CPU time (user + sys) and its peak RSS, from
os.wait4's rusage of that process alone (see run_once for how the command is
started so that run.py's own memory does not leak into the figure); the run
with the least CPU time is reported.

This is a measurement, not a test: the exit status is 0 whenever all commands
ran (whether or not targets were met), and 1 if jq is missing, a command could
not be started, or a command exited with a status other than 0 or 1 (1 is the
tools' "some records rejected" status).
"""

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # tests/bench -> project root
DATA_DIR = os.path.join(HERE, "data")
GEN = os.path.join(HERE, "gen.py")

RUNS = 3
BASELINE = ["jq", "-c", "."]

# Extra arguments per tool.  Tools not listed here run without arguments.
TOOL_ARGS = {
    "ac-normalize": ["--timezone", "Europe/Berlin", "-q", "--rejects", "/dev/null"],
    "ac-consent": ["--require-explicit", "EEA", "-q", "--rejects", "/dev/null"],
    "ac-hash": ["-q", "--rejects", "/dev/null"],
    "ac-pick-clickid": ["-q", "--rejects", "/dev/null"],
    "ac-batch": ["-q", "--rejects", "/dev/null"],
}

# Tools measured on what the four record filters make of the orders (the
# input they meet in a pipeline), against jq -c . on that same file.
READY_TOOLS = {"ac-batch"}
READY_PIPE = ("{bin}/ac-normalize -q -z Europe/Berlin {raw} | {bin}/ac-consent -q"
              " | {bin}/ac-hash -q | {bin}/ac-pick-clickid -q")

# Targets every tool is held to (reported as PASS/MISS, never fatal).
CPU_RATIO_TARGET = 0.80  # tool CPU / jq CPU, at most
RSS_TARGET_MIB = 16.0  # peak RSS, strictly below


def ensure_ready(raw, n, bindir):
    """The raw orders through the four record filters, cached."""
    path = os.path.join(DATA_DIR, "ready-%d.ndjson" % n)
    if os.path.exists(path) and os.path.getmtime(path) >= os.path.getmtime(raw):
        return path
    tmp = path + ".tmp.%d" % os.getpid()
    try:
        with open(tmp, "wb") as out:
            subprocess.run(READY_PIPE.format(bin=bindir, raw=raw), shell=True,
                           stdout=out, stderr=subprocess.DEVNULL)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def ensure_input(n):
    """Return the path of the cached input with n records, generating it if needed."""
    path = os.path.join(DATA_DIR, "orders-%d.ndjson" % n)
    if os.path.exists(path):
        return path
    os.makedirs(DATA_DIR, exist_ok=True)
    # Write to a temporary name and rename, so an interrupted generation never
    # leaves a truncated file that later runs would take for a complete one.
    tmp = path + ".tmp.%d" % os.getpid()
    print("generating %d records into %s ..." % (n, os.path.relpath(path)),
          file=sys.stderr)
    t0 = time.monotonic()
    try:
        with open(tmp, "wb") as out:
            subprocess.run([sys.executable, GEN, "-n", str(n)], stdout=out, check=True)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    print("generated in %.1f s" % (time.monotonic() - t0), file=sys.stderr)
    return path


# Why the tools are not simply started with Popen and reaped with os.wait4:
# on Linux, exec() folds the high-water RSS of the *pre-exec* address space
# into the new program's ru_maxrss.  A child forked (or vforked) from this
# Python process therefore reports at least run.py's own peak RSS (~14 MiB,
# more after any large allocation), however little the tool itself uses; jq,
# which peaks around 3 MiB, shows up as ~14 MiB that way.  So each command is
# forked by a tiny /bin/sh instead: run.py becomes a "child subreaper"
# (prctl(PR_SET_CHILD_SUBREAPER) through ctypes, which is standard library),
# sh starts the command in the background, prints its pid and exits, the
# orphaned command is re-parented to run.py, and os.wait4 on that pid returns
# the command's own rusage, with sh's ~1 MiB as the floor instead of run.py's.
# Where that is not possible (not Linux, no prctl), fall back to direct
# Popen + os.wait4 and warn that RSS figures are upper bounds.
PR_SET_CHILD_SUBREAPER = 36

# $1 = input file, rest = the command.  An explicit "<" is needed: POSIX shells
# give background jobs /dev/null as stdin otherwise.
TRAMPOLINE = 'f=$1; shift; "$@" <"$f" >/dev/null 2>/dev/null & echo $!'


def become_subreaper():
    """Try to make this process a child subreaper; return True on success."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def run_once(argv, input_path, subreaper):
    """Run argv once; return (exit_code, wall_s, cpu_s, maxrss_kib).

    With the trampoline, wall time includes sh's start-up (about a millisecond);
    CPU time and RSS are the command's alone.
    """
    t0 = time.monotonic()
    if subreaper:
        sh = subprocess.Popen(["/bin/sh", "-c", TRAMPOLINE, "sh", input_path] + argv,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        out = sh.stdout.read()
        sh.stdout.close()
        sh.wait()  # sh exits right after "echo"; reaping it re-parents the command
        try:
            pid = int(out)
        except ValueError:
            raise OSError("/bin/sh did not start the command") from None
    else:
        with open(input_path, "rb") as stdin:
            proc = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL)
        pid = proc.pid
    try:
        # os.wait4 rather than waitpid: it returns the rusage of exactly this
        # process, whereas RUSAGE_CHILDREN would accumulate all reaped children
        # (earlier runs, gen.py) and report the largest RSS among them.
        _, status, ru = os.wait4(pid, 0)
    except KeyboardInterrupt:
        os.kill(pid, signal.SIGTERM)  # background jobs of sh ignore SIGINT
        raise
    wall = time.monotonic() - t0
    code = os.waitstatus_to_exitcode(status)
    if not subreaper:
        proc.returncode = code  # tell Popen the child is already reaped
    maxrss_kib = ru.ru_maxrss
    if sys.platform == "darwin":
        maxrss_kib /= 1024.0  # macOS reports bytes; Linux reports KiB
    return code, wall, ru.ru_utime + ru.ru_stime, maxrss_kib


def measure(label, argv, input_path, subreaper):
    """Run argv RUNS times; return the min-CPU run as a dict, or None on failure."""
    label = label.split()[0]  # messages name the program, not its arguments
    # Checked here because behind the sh trampoline a missing program is only
    # an anonymous exit status 127.
    if not os.access(argv[0], os.X_OK):
        print("%s: %s does not exist or is not executable" % (label, argv[0]),
              file=sys.stderr)
        return None
    best = None
    for _ in range(RUNS):
        try:
            code, wall, cpu, rss = run_once(argv, input_path, subreaper)
        except OSError as e:
            print("%s: cannot run %s: %s" % (label, argv[0], e.strerror or e),
                  file=sys.stderr)
            return None
        if code not in (0, 1):
            if code < 0:
                why = "killed by signal %d" % -code
            else:
                why = "exited with status %d" % code
            print("%s: %s" % (label, why), file=sys.stderr)
            return None
        if best is None or cpu < best["cpu"]:
            best = {"wall": wall, "cpu": cpu, "rss_kib": rss, "code": code}
    return best


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "bin"),
                    help="directory holding the tools (default: <project>/bin)")
    ap.add_argument("--records", type=int, default=200000,
                    help="number of input records (default 200000)")
    ap.add_argument("--tool", action="append", metavar="NAME",
                    help="tool to benchmark, repeatable (default: every tool"
                    " of TOOL_ARGS found in --bin)")
    args = ap.parse_args(argv)
    tools = args.tool or [t for t in TOOL_ARGS
                          if os.access(os.path.join(args.bin, t), os.X_OK)]
    if args.records <= 0:
        ap.error("--records must be positive")

    jq = shutil.which("jq")
    if jq is None:
        print("run.py: jq not found on PATH; it is the baseline, install it first",
              file=sys.stderr)
        return 1

    try:
        input_path = ensure_input(args.records)
    except (OSError, subprocess.CalledProcessError) as e:
        print("run.py: generating the input failed: %s" % e, file=sys.stderr)
        return 1
    size = os.path.getsize(input_path)
    print("input: %s, %d records, %.1f MB (%.0f bytes/record), best of %d runs by CPU"
          % (os.path.relpath(input_path), args.records, size / 1e6,
             size / args.records, RUNS))
    print()

    subreaper = become_subreaper()
    if not subreaper:
        print("note: cannot become a child subreaper here; peak RSS figures include"
              " run.py's own (~14 MiB) and are upper bounds\n")

    failed = False
    groups = [("orders", input_path, [t for t in tools if t not in READY_TOOLS])]
    ready = [t for t in tools if t in READY_TOOLS]
    if ready:
        groups.append(("after the four record filters",
                       ensure_ready(input_path, args.records, args.bin), ready))
    for title, path, group in groups:
        if not group:
            continue
        failed = report(title, path, group, jq, args, subreaper) or failed
    return 1 if failed else 0


def report(title, path, tools, jq, args, subreaper):
    """Measure jq -c . and the tools on path and print the table; True if a run failed."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        nrec = sum(1 for _ in f)
    print("== %s: %s, %d records, %.1f MB" % (title, os.path.relpath(path), nrec,
                                              size / 1e6))
    commands = [("jq -c .", [jq] + BASELINE[1:], None)]
    for t in tools:
        extra = TOOL_ARGS.get(t, [])
        commands.append((" ".join([t] + extra), [os.path.join(args.bin, t)] + extra, t))

    failed = False
    results = []  # (label, tool or None, best dict or None)
    for label, cmd, tool in commands:
        best = measure(label, cmd, path, subreaper)
        failed = failed or best is None
        results.append((label, tool, best))

    base = results[0][2]
    header = ["command", "records/s", "MB/s", "CPU s", "peak RSS MiB", "CPU vs jq"]
    rows = []
    for label, _, r in results:
        if r is None:
            rows.append([label, "failed", "", "", "", ""])
            continue
        wall = max(r["wall"], 1e-9)
        ratio = "%.2f" % (r["cpu"] / base["cpu"]) if base and base["cpu"] > 0 else "n/a"
        rows.append([label, "%.0f" % (nrec / wall), "%.1f" % (size / 1e6 / wall),
                     "%.2f" % r["cpu"], "%.1f" % (r["rss_kib"] / 1024.0), ratio])
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(["%%-%ds" % widths[0]] + ["%%%ds" % w for w in widths[1:]])
    print(fmt % tuple(header))
    for row in rows:
        print(fmt % tuple(row))
    print()

    for label, tool, r in results[1:]:
        if r is None:
            print("%s: failed to run" % tool)
            continue
        rss_mib = r["rss_kib"] / 1024.0
        if base is None or base["cpu"] <= 0:
            print("%s: CPU ratio n/a (baseline failed), peak RSS %.1f MiB (target < %g)"
                  % (tool, rss_mib, RSS_TARGET_MIB))
            continue
        ratio = r["cpu"] / base["cpu"]
        # Compare the ratio as printed, so "0.80" never shows up as a MISS.
        ok = round(ratio, 2) <= CPU_RATIO_TARGET and rss_mib < RSS_TARGET_MIB
        print("%s: CPU ratio %.2f (target <= %.2f), peak RSS %.1f MiB (target < %g) %s"
              % (tool, ratio, CPU_RATIO_TARGET, rss_mib, RSS_TARGET_MIB,
                 "PASS" if ok else "MISS"))
    print()
    return failed

if __name__ == "__main__":
    sys.exit(main())
