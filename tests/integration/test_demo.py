"""`make demo` from outside: the demo runs on a fresh local stack of its own (its own ports and folder), moves
the clock back four months and forwards a month at a time, then returns it to real time; the stack it leaves
running has four months of history: a newsletter on the calendar each month, a pool that grew, a hire with a
time to fill of weeks, the last week's deliverability rates. Then Ctrl-C stops it."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from tests.bench._emulator import free_port

ROOT = Path(__file__).resolve().parents[2]
READY = "Press Ctrl-C to stop."


def get(port: int, path: str, key: str):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {key}"})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=30) as response:
        return json.loads(response.read())


def run_demo(tmp_path: Path) -> tuple[subprocess.Popen, int, str]:
    port, aws_port = free_port(), free_port()
    while aws_port == port:
        aws_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CRM_", "AWS_", "POWERTOOLS_"))}
    env.update(CRM_PORT=str(port), CRM_AWS_PORT=str(aws_port), CRM_DEMO_DIR=str(tmp_path / "demo"),
               PYTHONUNBUFFERED="1", NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost")
    log = tmp_path / "demo.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "crmlocal.demo"], cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 240
    while READY not in log.read_text(errors="replace"):
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        assert time.monotonic() < deadline, "the demo did not finish in 4 minutes"
        time.sleep(0.5)
    return process, port, log.read_text(errors="replace")


def test_the_demo_leaves_four_months_of_history_on_real_time(tmp_path):
    process, port, output = run_demo(tmp_path)
    try:
        key = re.search(r"API key (crm_\S+?)\)", output).group(1)
        now = datetime.now(timezone.utc)
        # the clock is back on real time
        clock = datetime.fromisoformat(get(port, "/dev/clock", key)["now"].replace("Z", "+00:00"))
        assert abs((clock - now).total_seconds()) < 120
        # the calendar: a newsletter in each of the five months, the permission request, the sequence
        start, middle = (now - timedelta(days=160)).date(), (now - timedelta(days=75)).date()
        days = [day for first, last in ((start, middle), (middle + timedelta(days=1), now.date()))
                for day in get(port, f"/calendar?from={first}&to={last}", key)["days"]]  # a quarter at most each
        names = {c["name"] for day in days for c in day["campaigns"]}
        newsletters = {c["id"]: c["name"] for day in days for c in day["campaigns"] if c["name"].startswith("Newsletter")}
        assert len(newsletters) == 5 and len(set(newsletters.values())) >= 4, names  # the 1st-3rd: two this month
        assert {"May we keep in touch?", "Python roles"} <= names
        # the pool grew over the months (a size recorded on each month's days)
        pools = {p["name"]: p for p in get(port, "/pools", key)["items"]}
        history = get(port, f"/analytics/pools/{pools['Talent community']['id']}", key)["size_history"]
        assert len({point["date"][:7] for point in history}) >= 4, history
        assert history[0]["size"] < max(point["size"] for point in history)
        # the overview of the four months: a hire with a time to fill of weeks
        overview = get(port, f"/analytics/overview?from={start}", key)
        assert overview["hires"] == 1 and 28 <= overview["time_to_fill_days"]["all"] <= 90, overview
        # Ada's application and hire are credited to the newsletters she clicked before each
        funnels = [get(port, f"/analytics/campaigns/{c['id']}", key) for c in get(port, "/campaigns", key)["items"]]
        assert sum(f["applied"] for f in funnels) == 1 and sum(f["hired"] for f in funnels) == 1
        # the last week's sends, with the bounce and the complaint
        week = get(port, "/deliverability", key)["rates"]["7d"]
        assert week["sent"] > 0 and week["bounce"] > 0 and week["complaint"] > 0, week
        assert "What to look at" in output and "/dashboard/calendar" in output
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
