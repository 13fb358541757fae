#!/usr/bin/env python3
"""An Okta export of real shape at any size: the events of a fixture page (by default the System Log API page
in fixtures/okta, with its events that name no app, its policy events and its session starts) repeated as
NDJSON lines, each with its own uuid, a later time and one of USERS users, alternately compact and spaced.

    python3 benches/repeat_fixture.py --n 300000 --out /var/tmp/okta_real_300000.ndjson
    benches/throughput.sh --input=/var/tmp/okta_real_300000.ndjson 3       # against DuckDB
"""
import argparse
import json
import random
import uuid
from pathlib import Path

here = Path(__file__).resolve().parent
parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--n", type=int, required=True, help="events to write")
parser.add_argument("--out", required=True, help="NDJSON file to write")
parser.add_argument("--page", default=str(here.parent / "fixtures/okta/logs-page-api.json"), help="a JSON array of LogEvents")
parser.add_argument("--users", type=int, default=5000)
parser.add_argument("--seed", type=int, default=3)
args = parser.parse_args()

events = json.loads(Path(args.page).read_text())
rng = random.Random(args.seed)
with open(args.out, "w") as out:
    for i in range(args.n):
        event = dict(events[i % len(events)])
        event["uuid"] = str(uuid.UUID(int=rng.getrandbits(128)))
        day, second = divmod(i * 86400 * 27 // args.n, 86400)
        event["published"] = "2025-02-%02dT%02d:%02d:%02d.%03dZ" % (
            1 + day, second // 3600, second // 60 % 60, second % 60, i % 1000)
        if event.get("actor"):
            event["actor"] = dict(event["actor"], alternateId="user%d@example.com" % rng.randrange(args.users))
        out.write(json.dumps(event, separators=(",", ":") if i % 2 else (", ", ": ")) + "\n")
