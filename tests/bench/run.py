#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Benchmark ac tools against `jq -c .` on generated shop-order NDJSON.

Usage:
    python3 tests/bench/run.py [--bin DIR] [--records N] [--tool NAME ...]
                               [--upload-requests N] [--upload-seconds S]
    python3 tests/bench/run.py --tool ac-upload     # ac-upload only
    python3 tests/bench/run.py --tool pipeline      # the pipeline against Python

Generates N records once (tests/bench/data/orders-N.ndjson, via gen.py, reused
on later runs), then runs the baseline `jq -c .` and each tool 3 times with
stdin from that file and stdout/stderr to /dev/null.  For every run it records
wall time, the command's CPU time (user + sys) and its peak RSS, from
os.wait4's rusage of that process alone (see run_once for how the command is
started so that run.py's own memory does not leak into the figure); the run
with the least CPU time is reported.

ac-upload is measured against the emulator of the Google Ads API
(tests/mock/gads.py), which run.py starts on 127.0.0.1 without a ledger file
or log (so the disk is not part of the figure) and stops at the end, on
upload requests it writes itself (conversions shaped as ac-batch writes them,
2000 per request, unique order IDs and click IDs, into a temporary directory
removed at the end).  It reports (a) the CPU time of ac-upload alone per 1000
conversions and the wall-clock rate, at -j 1 and -j 4, over --upload-requests
requests (default 50, best of 3 runs by CPU, the emulator's ledger reset
before each run so that every row is accepted), with `jq -c .` on the same
file as a reference; and (b) the peak RSS of ac-upload -j 4 over 500 requests
(1000000 conversions), without and with --journal, one run each, then once
more with that journal (every row skipped: the cost of loading it), or over as
many requests as the emulator takes in about --upload-seconds (default 60) at
the rate of (a), which the output then says.  The emulator is single-process
Python and sets the wall-clock rate; the output says how busy it was.  Its
in-memory ledger and request log are reset every 10 s during (b) so that its
own memory stays bounded.

The pseudo-tool "pipeline" runs ac-normalize | ac-consent | ac-hash |
ac-pick-clickid, with the options of TOOL_ARGS, on the orders, against
reference.py, a one-process Python implementation of the same four steps, on
the same file, each pinned to two CPUs (or as many as run.py may use, if
fewer), RUNS times.  It reports the CPU time of all four processes together
(os.wait4 of each) and of Python, and the wall time of each, the least of each
over the runs, and their ratios to the targets (PIPE_CPU_TARGET,
PIPE_WALL_TARGET).

This is a measurement, not a test: the exit status is 0 whenever all commands
ran (whether or not targets were met), and 1 if jq is missing, a command could
not be started, or a command exited with a status other than 0 or 1 (1 is the
tools' "some records rejected" status; for ac-upload, whose every row should
be uploaded here, anything but 0), or the emulator could not be started.
"""

import argparse
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))  # tests/bench -> project root
DATA_DIR = os.path.join(HERE, "data")
GEN = os.path.join(HERE, "gen.py")

RUNS = 3
BASELINE = ["jq", "-c", "."]

# Extra arguments per tool.  Tools not listed here run without arguments.
# The orders span ten months of 2026 (gen.py); the clock is pinned just after
# them (AC_NOW, set in main) so that a run measures the same thing on any day,
# and ac-normalize's click-through window covers them all: a nightly job's
# orders are a day old, and a stale click (a warning) is the exception.
BENCH_NOW = "1793491200"  # 2026-11-01T00:00:00Z
TOOL_ARGS = {
    "ac-normalize": ["--timezone", "Europe/Berlin", "--click-window", "365", "-q",
                     "--rejects", "/dev/null"],
    "ac-consent": ["--require-explicit", "EEA", "-q", "--rejects", "/dev/null"],
    "ac-hash": ["-q", "--rejects", "/dev/null"],
    "ac-pick-clickid": ["-q", "--rejects", "/dev/null"],
    "ac-batch": ["-q", "--api", "googleads", "--rejects", "/dev/null"],
}

# Tools measured on what the four record filters make of the orders (the
# input they meet in a pipeline), against jq -c . on that same file.
READY_TOOLS = {"ac-batch"}
READY_PIPE = ("{bin}/ac-normalize -q -z Europe/Berlin -c 365 {raw} | {bin}/ac-consent -q"
              " | {bin}/ac-hash -q | {bin}/ac-pick-clickid -q")

# ac-upload, measured against the emulator of the API (see the docstring).
UPLOAD_TOOL = "ac-upload"
GADS = os.path.join(ROOT, "tests", "mock", "gads.py")
UPLOAD_ROWS = 2000  # conversions per request: the most the API takes
UPLOAD_JOBS = (1, 4)
UPLOAD_RSS_REQUESTS = 500  # 1000000 conversions
UPLOAD_RSS_JOBS = 4
UPLOAD_CUSTOMER = "1234567890"
UPLOAD_ACTION_ID = "987654321"  # the one conversion action the emulator knows
UPLOAD_TOKEN = "bench-token-not-secret"  # accepted by the emulator; not a secret
UPLOAD_RESET_EVERY = 10.0  # seconds between resets of the emulator's memory in (b)
TAG = b"@@@@"  # stands for 4 characters that make order IDs and click IDs unique

# Targets every tool is held to (reported as PASS/MISS, never fatal).
CPU_RATIO_TARGET = 0.80  # tool CPU / jq CPU, at most
RSS_TARGET_MIB = 16.0  # peak RSS, strictly below

# The four record filters as one pipeline against the Python reference.
PIPELINE_TOOL = "pipeline"
PIPELINE = ["ac-normalize", "ac-consent", "ac-hash", "ac-pick-clickid"]
REFERENCE = os.path.join(HERE, "reference.py")
REFERENCE_ARGS = ["--timezone", "Europe/Berlin", "--require-explicit", "EEA"]
PIPE_CPUS = 2  # the wall-time goal is "on two cores"
PIPE_CPU_TARGET = 0.5  # pipeline CPU / Python CPU, at most
PIPE_WALL_TARGET = 0.5  # pipeline wall / Python wall, at most


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


def run_once(argv, input_path, subreaper, env=None):
    """Run argv once; return (exit_code, wall_s, cpu_s, maxrss_kib).

    With the trampoline, wall time includes sh's start-up (about a millisecond);
    CPU time and RSS are the command's alone.
    """
    t0 = time.monotonic()
    if subreaper:
        sh = subprocess.Popen(["/bin/sh", "-c", TRAMPOLINE, "sh", input_path] + argv,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              env=env)
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
                                    stderr=subprocess.DEVNULL, env=env)
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
                    " of TOOL_ARGS found in --bin, and ac-upload)")
    ap.add_argument("--upload-requests", type=int, default=50, metavar="N",
                    help="requests of %d conversions for the ac-upload CPU and"
                    " throughput runs (default 50)" % UPLOAD_ROWS)
    ap.add_argument("--upload-seconds", type=float, default=60.0, metavar="S",
                    help="about how long the ac-upload peak-RSS run over %d"
                    " conversions may take; fewer when the emulator is slower"
                    " (default 60)" % (UPLOAD_RSS_REQUESTS * UPLOAD_ROWS))
    args = ap.parse_args(argv)
    os.environ["AC_NOW"] = BENCH_NOW
    tools = args.tool or [t for t in list(TOOL_ARGS) + [UPLOAD_TOOL]
                          if os.access(os.path.join(args.bin, t), os.X_OK)]
    if not args.tool and all(os.access(os.path.join(args.bin, t), os.X_OK)
                             for t in PIPELINE):
        tools.append(PIPELINE_TOOL)
    if args.records <= 0:
        ap.error("--records must be positive")
    if args.upload_requests <= 0:
        ap.error("--upload-requests must be positive")
    if args.upload_seconds <= 0:
        ap.error("--upload-seconds must be positive")
    filters = [t for t in tools if t not in (UPLOAD_TOOL, PIPELINE_TOOL)]

    jq = shutil.which("jq")
    if jq is None:
        print("run.py: jq not found on PATH; it is the baseline, install it first",
              file=sys.stderr)
        return 1

    if filters or PIPELINE_TOOL in tools:
        try:
            input_path = ensure_input(args.records)
        except (OSError, subprocess.CalledProcessError) as e:
            print("run.py: generating the input failed: %s" % e, file=sys.stderr)
            return 1
        size = os.path.getsize(input_path)
        print("input: %s, %d records, %.1f MB (%.0f bytes/record), best of %d runs"
              " by CPU" % (os.path.relpath(input_path), args.records, size / 1e6,
                           size / args.records, RUNS))
        print()

    subreaper = become_subreaper()
    if not subreaper:
        print("note: cannot become a child subreaper here; peak RSS figures include"
              " run.py's own (~14 MiB) and are upper bounds\n")

    failed = False
    groups = []
    if filters:
        groups.append(("orders", input_path,
                       [t for t in filters if t not in READY_TOOLS]))
        ready = [t for t in filters if t in READY_TOOLS]
        if ready:
            groups.append(("after the four record filters",
                           ensure_ready(input_path, args.records, args.bin), ready))
    for title, path, group in groups:
        if not group:
            continue
        failed = report(title, path, group, jq, args, subreaper) or failed
    if PIPELINE_TOOL in tools:
        failed = report_pipeline(input_path, args) or failed
    if UPLOAD_TOOL in tools:
        failed = report_upload(jq, args, subreaper) or failed
    return 1 if failed else 0


def pipe_cpus():
    """The CPUs to pin both sides to: PIPE_CPUS of those run.py may use."""
    try:
        cpus = sorted(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None
    return set(cpus[:PIPE_CPUS])


def run_pipeline(argvs, input_path, cpus):
    """Run argvs as one pipeline, stdin from input_path, stdout and stderr to
    /dev/null, each process pinned to cpus; return (worst exit status, wall
    seconds, CPU seconds of all its processes)."""
    def pin():
        if cpus:
            os.sched_setaffinity(0, cpus)
    procs = []
    t0 = time.monotonic()
    with open(input_path, "rb") as src, open(os.devnull, "wb") as null:
        prev = src
        try:
            for i, argv in enumerate(argvs):
                last = i == len(argvs) - 1
                p = subprocess.Popen(argv, stdin=prev,
                                     stdout=null if last else subprocess.PIPE,
                                     stderr=null, preexec_fn=pin)
                if prev is not src:
                    prev.close()  # the reader holds it now: EOF and EPIPE work
                prev = p.stdout
                procs.append(p)
        except OSError:
            for p in procs:
                p.kill()
                p.wait()
            raise
    cpu, worst = 0.0, 0
    for p in procs:
        # os.wait4 for the rusage of this process alone.
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = code = os.waitstatus_to_exitcode(status)
        cpu += ru.ru_utime + ru.ru_stime
        if code != 0 and (worst in (0, 1) or code < 0):
            worst = code
    return worst, time.monotonic() - t0, cpu


def report_pipeline(input_path, args):
    """The four filters as one pipeline against reference.py; True if a run
    failed."""
    argvs = [[os.path.join(args.bin, t)] + TOOL_ARGS.get(t, []) for t in PIPELINE]
    for argv in argvs:
        if not os.access(argv[0], os.X_OK):
            print("pipeline: %s does not exist or is not executable" % argv[0],
                  file=sys.stderr)
            return True
    cpus = pipe_cpus()
    ncpu = len(cpus) if cpus else os.cpu_count()
    size = os.path.getsize(input_path)
    print("== pipeline: %s | ... | %s against %s (one Python process), on %s,"
          " %.1f MB, %d CPU%s, the least CPU and wall of %d runs"
          % (PIPELINE[0], PIPELINE[-1], os.path.relpath(REFERENCE),
             os.path.relpath(input_path), size / 1e6, ncpu, "s" if ncpu != 1 else "",
             RUNS))
    if ncpu < PIPE_CPUS:
        print("note: only %d CPU available; the wall-time goal is for %d"
              % (ncpu, PIPE_CPUS))
    for t in PIPELINE:
        print("  %s %s" % (t, " ".join(TOOL_ARGS.get(t, []))))
    sides = [(" | ".join(PIPELINE), argvs),
             ("python3 reference.py " + " ".join(REFERENCE_ARGS),
              [[sys.executable, REFERENCE] + REFERENCE_ARGS])]
    best = []
    for label, cmds in sides:
        b = None
        for _ in range(RUNS):
            try:
                code, wall, cpu = run_pipeline(cmds, input_path, cpus)
            except OSError as e:
                print("pipeline: cannot run %s: %s" % (label.split()[0],
                                                       e.strerror or e),
                      file=sys.stderr)
                return True
            if code not in (0, 1):
                print("pipeline: %s: %s" % (label.split()[0],
                                            "killed by signal %d" % -code if code < 0
                                            else "exited with status %d" % code),
                      file=sys.stderr)
                return True
            b = {"wall": min(wall, b["wall"]) if b else wall,
                 "cpu": min(cpu, b["cpu"]) if b else cpu}
        best.append((label, b))
    (_, c), (_, py) = best
    header = ["command", "wall s", "CPU s", "CPU vs Python", "wall vs Python"]
    rows = []
    for label, r in best:
        rows.append([label, "%.2f" % r["wall"], "%.2f" % r["cpu"],
                     "%.2f" % (r["cpu"] / py["cpu"]),
                     "%.2f" % (r["wall"] / py["wall"])])
    print_table(header, rows)
    cr, wr = c["cpu"] / py["cpu"], c["wall"] / py["wall"]
    print("pipeline: CPU ratio %.2f (target <= %.2f), wall ratio %.2f on %d CPUs"
          " (target <= %.2f) %s"
          % (cr, PIPE_CPU_TARGET, wr, ncpu, PIPE_WALL_TARGET,
             "PASS" if cr <= PIPE_CPU_TARGET and wr <= PIPE_WALL_TARGET else "MISS"))
    print()
    return False


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


# ---------------------------------------------------------------------------
# ac-upload against the emulator

def upload_block(n, api="googleads"):
    """n upload-request lines (bytes, newline-terminated) as ac-batch writes
    them for api (googleads or datamanager), UPLOAD_ROWS conversions each,
    with TAG in every order ID and click ID: replacing it gives another block
    of unique conversions."""
    action = "customers/%s/conversionActions/%s" % (UPLOAD_CUSTOMER, UPLOAD_ACTION_ID)
    consent = {"ad_user_data": "GRANTED", "ad_personalization": "GRANTED"}
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    tag = TAG.decode()
    lines = []
    for r in range(n):
        convs, rows = [], []
        for k in range(UPLOAD_ROWS):
            i = r * UPLOAD_ROWS + k
            h = hashlib.sha256(b"%d" % i).digest()
            order_id = "BENCH-%s-%07d" % (tag, i)
            when = "2026-%02d-%02d %02d:%02d:%02d+01:00" % (
                1 + i % 10, 1 + i % 28, i % 24, i % 60, i // 60 % 60)
            convs.append({
                "conversionAction": action,
                "conversionDateTime": when,
                "conversionValue": round(i % 200 + 0.99, 2),
                "currencyCode": "EUR",
                "orderId": order_id,
                # 52 characters of the URL-safe base64 alphabet
                "gclid": "Cj0KCQjw" + tag + base64.urlsafe_b64encode(h[:30]).decode(),
                "consent": {"adUserData": "GRANTED"},
                "userIdentifiers": [
                    {"hashedEmail": hashlib.sha256(b"e" + h).hexdigest(),
                     "userIdentifierSource": "FIRST_PARTY"},
                    {"hashedPhoneNumber": hashlib.sha256(b"p" + h).hexdigest(),
                     "userIdentifierSource": "FIRST_PARTY"}]})
            rows.append({"order_id": order_id, "conversion_action": action,
                         "conversion_date_time": when, "click_id_type": "gclid",
                         "kind": "click",
                         "google-ads-consent": consent, "file": "ready.ndjson",
                         "line": i + 1})
        if api == "datamanager":
            events = [{
                "destinationReferences": [UPLOAD_ACTION_ID],
                "transactionId": c["orderId"],
                "eventTimestamp": c["conversionDateTime"].replace(" ", "T"),
                "adIdentifiers": {"gclid": c["gclid"]},
                "userData": {"userIdentifiers": [
                    {"emailAddress": c["userIdentifiers"][0]["hashedEmail"]},
                    {"phoneNumber": c["userIdentifiers"][1]["hashedPhoneNumber"]}]},
                "conversionValue": c["conversionValue"],
                "currency": c["currencyCode"],
                "consent": {"adUserData": "CONSENT_GRANTED",
                            "adPersonalization": "CONSENT_GRANTED"}} for c in convs]
            account = {"accountType": "GOOGLE_ADS", "accountId": UPLOAD_CUSTOMER}
            lines.append(dumps({
                "api": "datamanager", "customer_id": UPLOAD_CUSTOMER,
                "method": "events:ingest",
                "request": {"destinations": [{
                    "reference": UPLOAD_ACTION_ID, "operatingAccount": account,
                    "productDestinationId": UPLOAD_ACTION_ID}],
                    "encoding": "HEX", "validateOnly": False, "events": events},
                "rows": rows}).encode() + b"\n")
            continue
        lines.append(dumps({"api": "googleads", "customer_id": UPLOAD_CUSTOMER,
                            "method": "uploadClickConversions",
                            "request": {"conversions": convs, "partialFailure": True,
                                        "validateOnly": False},
                            "rows": rows}).encode() + b"\n")
    return lines


def write_requests(path, block, nreq, prefix):
    """Write nreq lines: copies of block, each with its own tag."""
    with open(path, "wb") as out:
        done, copy = 0, 0
        while done < nreq:
            tag = (b"%s%03d" % (prefix, copy))[-len(TAG):]
            for line in block[:nreq - done]:
                out.write(line.replace(TAG, tag))
            done += min(len(block), nreq - done)
            copy += 1


class Emulator:
    """tests/mock/gads.py on 127.0.0.1, no ledger file, no log."""

    def __init__(self, tmpdir):
        port_file = os.path.join(tmpdir, "port")
        self.err = open(os.path.join(tmpdir, "gads.err"), "w+b")
        self.proc = subprocess.Popen(
            [sys.executable, GADS, "--port", "0", "--port-file", port_file,
             "--access-token", UPLOAD_TOKEN, "--actions", UPLOAD_ACTION_ID],
            stdin=subprocess.DEVNULL, stdout=self.err, stderr=self.err)
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        deadline = time.monotonic() + 10
        while not (os.path.exists(port_file) and os.path.getsize(port_file) > 0):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                with open(os.path.join(tmpdir, "gads.err"), "rb") as f:
                    msg = f.read().decode("utf-8", "replace").strip()
                raise OSError("%s %s%s" % (
                    os.path.relpath(GADS),
                    "did not write its port file within 10 s"
                    if self.proc.returncode in (None, -signal.SIGTERM)
                    else "exited with status %d" % self.proc.returncode,
                    ": " + msg if msg else ""))
            time.sleep(0.05)
        with open(port_file) as f:
            self.url = "http://127.0.0.1:%d" % int(f.read())

    def reset(self):
        """Empty the emulator's ledger and request log (admin API)."""
        req = urllib.request.Request(self.url + "/__admin/reset", data=b"{}",
                                     headers={"Content-Type": "application/json"})
        with self.opener.open(req, timeout=60) as r:
            r.read()

    def cpu(self):
        """CPU seconds (user + sys, all threads) used so far, or None."""
        try:
            with open("/proc/%d/stat" % self.proc.pid) as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()


class Resetter(threading.Thread):
    """Resets the emulator every UPLOAD_RESET_EVERY seconds until stopped, so
    that its ledger and request log (which hold every row) stay small."""

    def __init__(self, emu):
        super().__init__(daemon=True)
        self.emu, self.done = emu, threading.Event()

    def run(self):
        while not self.done.wait(UPLOAD_RESET_EVERY):
            try:
                self.emu.reset()
            except OSError:
                pass


def upload_env():
    """The environment of ac-upload: the token, and no proxy for 127.0.0.1."""
    env = {k: v for k, v in os.environ.items()
           if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")}
    env["AC_ACCESS_TOKEN"] = UPLOAD_TOKEN
    env["NO_PROXY"] = "127.0.0.1"
    return env


def upload_run(label, argv, path, subreaper, emu, runs=RUNS, before=None):
    """Run ac-upload runs times against the reset emulator; return the run
    with the least CPU as a dict (also the emulator's CPU), or None."""
    best = None
    for _ in range(runs):
        if before:
            before()
        try:
            emu.reset()
            c0 = emu.cpu()
            code, wall, cpu, rss = run_once(argv, path, subreaper, upload_env())
            c1 = emu.cpu()
        except OSError as e:
            print("%s: cannot run %s: %s" % (label, argv[0], e.strerror or e),
                  file=sys.stderr)
            return None
        if code != 0:
            why = ("killed by signal %d" % -code if code < 0 else
                   "exited with status %d (0 expected: every row uploaded)" % code)
            print("%s: %s" % (label, why), file=sys.stderr)
            return None
        emu_cpu = c1 - c0 if c0 is not None and c1 is not None else None
        if best is None or cpu < best["cpu"]:
            best = {"wall": wall, "cpu": cpu, "rss_kib": rss, "emu_cpu": emu_cpu}
    return best


def print_table(header, rows):
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(["%%-%ds" % widths[0]] + ["%%%ds" % w for w in widths[1:]])
    print(fmt % tuple(header))
    for row in rows:
        print(fmt % tuple(row))
    print()


def report_upload(jq, args, subreaper):
    """(a) CPU and throughput at -j 1 and -j 4, (b) peak RSS over 1M
    conversions; True if a run failed."""
    prog = os.path.join(args.bin, UPLOAD_TOOL)
    if not os.access(prog, os.X_OK):
        print("%s: %s does not exist or is not executable" % (UPLOAD_TOOL, prog),
              file=sys.stderr)
        return True
    tmpdir = tempfile.mkdtemp(prefix="ac-bench-upload.")
    emu = None
    try:
        t0 = time.monotonic()
        block = upload_block(args.upload_requests)
        small = os.path.join(tmpdir, "requests-a.ndjson")
        write_requests(small, block, args.upload_requests, b"A")
        small_dm = os.path.join(tmpdir, "requests-dm.ndjson")
        write_requests(small_dm, upload_block(args.upload_requests,
                                              "datamanager"),
                       args.upload_requests, b"D")
        emu = Emulator(tmpdir)
        sys.stdout.flush()
        print("generated %d upload requests in %.1f s; emulator %s on %s"
              % (args.upload_requests, time.monotonic() - t0,
                 os.path.relpath(GADS), emu.url), file=sys.stderr)
        return upload_measure(jq, args, subreaper, prog, tmpdir, block, small,
                              small_dm, emu)
    except OSError as e:
        print("run.py: ac-upload benchmark: %s" % e, file=sys.stderr)
        return True
    finally:
        if emu is not None:
            emu.stop()
        shutil.rmtree(tmpdir, ignore_errors=True)


def upload_measure(jq, args, subreaper, prog, tmpdir, block, small, small_dm,
                   emu):
    failed = False
    nreq = args.upload_requests
    nconv = nreq * UPLOAD_ROWS
    size = os.path.getsize(small)

    # (a) CPU per 1000 conversions and wall-clock rate.
    print("== ac-upload against %s on 127.0.0.1 (Python; no ledger file, no log):"
          " %d requests of %d, %d conversions, %.1f MB, best of %d runs by CPU"
          % (os.path.relpath(GADS), nreq, UPLOAD_ROWS, nconv, size / 1e6, RUNS))
    base = measure("jq -c .", [jq, "-c", "."], small, subreaper)
    failed = base is None
    results = []
    for j in UPLOAD_JOBS:
        label = "ac-upload -j %d" % j
        argv = [prog, "-q", "-j", str(j), "--endpoint", emu.url]
        r = upload_run(label, argv, small, subreaper, emu)
        failed = failed or r is None
        results.append((label, r))
    # The same conversions as Data Manager events (about the same bytes).
    dm_results = []
    for j in UPLOAD_JOBS:
        label = "ac-upload -j %d, Data Manager" % j
        argv = [prog, "-q", "-j", str(j), "--endpoint", emu.url]
        r = upload_run(label, argv, small_dm, subreaper, emu)
        failed = failed or r is None
        dm_results.append((label, r))
    header = ["command", "conversions/s", "MB/s", "CPU s", "CPU ms/1000",
              "peak RSS MiB", "CPU vs jq", "emulator busy"]
    rows = []
    for label, r in [("jq -c .", base)] + results + dm_results:
        if r is None:
            rows.append([label, "failed", "", "", "", "", "", ""])
            continue
        wall = max(r["wall"], 1e-9)
        ratio = "%.2f" % (r["cpu"] / base["cpu"]) if base and base["cpu"] > 0 else "n/a"
        busy = ("%.0f%%" % (100 * r["emu_cpu"] / wall)
                if r.get("emu_cpu") is not None else "")
        rows.append([label, "%.0f" % (nconv / wall), "%.1f" % (size / 1e6 / wall),
                     "%.2f" % r["cpu"], "%.1f" % (1000 * r["cpu"] * 1000 / nconv),
                     "%.1f" % (r["rss_kib"] / 1024.0), ratio, busy])
    print_table(header, rows)
    rate = None
    for label, r in dm_results + results:
        if r is None:
            print("%s: failed to run" % label)
            continue
        wall = max(r["wall"], 1e-9)
        ms = 1000 * r["cpu"] * 1000 / nconv
        busy = ("it was busy %.0f%% of the wall time, ac-upload %.0f%%"
                % (100 * r["emu_cpu"] / wall, 100 * r["cpu"] / wall)
                if r["emu_cpu"] is not None else
                "ac-upload was busy %.0f%% of the wall time" % (100 * r["cpu"] / wall))
        print("%s: %.1f ms CPU per 1000 conversions (ac-upload alone, %.0f"
              " conversions per CPU second); %.0f conversions/s wall-clock, a rate"
              " set by the emulator, single-process Python, the bottleneck: %s"
              % (label, ms, 1e6 / ms if ms > 0 else 0, nconv / wall, busy))
        rate = nconv / wall
    print()
    small_rss = dict(zip(UPLOAD_JOBS, [r for _, r in results])).get(UPLOAD_RSS_JOBS)
    small_rss = small_rss["rss_kib"] if small_rss else None

    # (b) peak RSS over 1000000 conversions, or what fits in --upload-seconds.
    want = UPLOAD_RSS_REQUESTS
    nbig = want
    if rate:
        nbig = max(1, min(want, int(rate * args.upload_seconds / UPLOAD_ROWS)))
    big = os.path.join(tmpdir, "requests-b.ndjson")
    write_requests(big, block, nbig, b"B")
    bsize = os.path.getsize(big)
    bconv = nbig * UPLOAD_ROWS
    print("== ac-upload peak RSS over %d conversions (%d requests of %d), %.1f MB,"
          " one run each, against the same emulator, its ledger in memory only and"
          " reset every %g s" % (bconv, nbig, UPLOAD_ROWS, bsize / 1e6,
                                 UPLOAD_RESET_EVERY))
    if nbig < want:
        print("note: %d conversions, not %d: at the emulator's %.0f conversions/s"
              " those would take longer than --upload-seconds %g"
              % (bconv, want * UPLOAD_ROWS, rate, args.upload_seconds))
    journal = os.path.join(tmpdir, "journal.ndjson")

    def fresh_journal():
        if os.path.exists(journal):
            os.unlink(journal)

    # The third run finds every row done in the journal of the second and
    # sends nothing: what loading a journal of that size costs.
    configs = [
        ("ac-upload -j %d" % UPLOAD_RSS_JOBS, [], fresh_journal),
        ("ac-upload -j %d --journal FILE" % UPLOAD_RSS_JOBS, ["--journal", journal],
         fresh_journal),
        ("ac-upload -j %d --journal FILE, again" % UPLOAD_RSS_JOBS,
         ["--journal", journal], None),
    ]
    results = []
    for label, extra, before in configs:
        argv = [prog, "-q", "-j", str(UPLOAD_RSS_JOBS), "--endpoint", emu.url] + extra
        if before is None and (not results or results[-1][1] is None):
            results.append((label, None))  # nothing to re-run
            failed = True
            continue
        resetter = Resetter(emu)
        resetter.start()
        try:
            r = upload_run(label, argv, big, subreaper, emu, runs=1, before=before)
        finally:
            resetter.done.set()
            resetter.join()
        if r is not None and extra:
            r["journal_bytes"] = os.path.getsize(journal)
        failed = failed or r is None
        results.append((label, r))
    header = ["command", "conversions", "wall s", "conversions/s", "CPU s",
              "CPU ms/1000", "peak RSS MiB"]
    rows = []
    for label, r in results:
        if r is None:
            rows.append([label, "failed", "", "", "", "", ""])
            continue
        wall = max(r["wall"], 1e-9)
        rows.append([label, "%d" % bconv, "%.1f" % wall, "%.0f" % (bconv / wall),
                     "%.2f" % r["cpu"], "%.1f" % (1000 * r["cpu"] * 1000 / bconv),
                     "%.1f" % (r["rss_kib"] / 1024.0)])
    print_table(header, rows)
    for label, r in results:
        if r is None:
            print("%s: failed to run" % label)
            continue
        if "journal_bytes" in r:
            note = "; the journal: %.1f MB on disk%s" % (
                r["journal_bytes"] / 1e6,
                ", read whole at the start" if label.endswith(", again") else "")
        elif small_rss is not None:
            note = "; %.1f MiB over %d in the runs above" % (small_rss / 1024.0, nconv)
        else:
            note = ""
        print("%s: peak RSS %.1f MiB over %d conversions%s"
              % (label, r["rss_kib"] / 1024.0, bconv, note))
    print()
    return failed


if __name__ == "__main__":
    sys.exit(main())
