"""python -m portal_crawler.replica serve --seed 7 --sites harbin,zhejiang --scale demo
--ready-file F [--host 127.0.0.1] [--epoch 0] [--control-port 0] [--faults PLAN_JSON]

--scale: a name (tiny, small, demo, bench) or a JSON object of sizes."""
from __future__ import annotations

import argparse
import json


def parse_scale(s: str):
    s = s.strip()
    return json.loads(s) if s.startswith("{") else s


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m portal_crawler.replica")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sv = sub.add_parser("serve", help="serve the replica network until killed")
    sv.add_argument("--seed", type=int, default=7)
    sv.add_argument("--sites", default="", help="comma-separated keys; empty = all 25")
    sv.add_argument("--scale", default="demo", type=parse_scale)
    sv.add_argument("--ready-file", default=None)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--epoch", type=int, default=0)
    sv.add_argument("--control-port", type=int, default=0)
    sv.add_argument("--faults", default=None, help="fault plan (JSON, see replica/faults.py)")
    a = ap.parse_args(argv)
    from portal_crawler.replica.server import serve
    sites = [s.strip() for s in a.sites.split(",") if s.strip()] or None
    serve(a.seed, sites, a.scale, a.ready_file, a.host, a.epoch, a.control_port, faults=a.faults)


if __name__ == "__main__":
    main()
