"""Peak memory and time of the worst reachable requests (the N = 3 globe at extreme settings).

Each case runs in its own process (so its peak RSS is its own), under an address-space
cap (``--cap-gib``, default 6) that protects the machine when an unbounded version is
measured.  The request is the globe callback posted through the Flask test client, as a
browser sends it.  Usage::

    python bench/bench_limits.py            # all cases, a table on stdout
    python bench/bench_limits.py --case tanh-H8-mu3
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

CASES = {
    "tanh-H8-mu3": {"tab": "lab", "H": 8, "activation": "tanh", "mu": 3, "sigma": 0.1},
    "gelu-H12-mu-3": {"tab": "lab", "H": 12, "activation": "gelu", "mu": -3, "sigma": 0.1},
    "sigmoid-H12": {"tab": "lab", "H": 12, "activation": "sigmoid"},
    "relu-H12": {"tab": "lab", "H": 12, "activation": "relu"},
}


def _one(case: str) -> dict:
    sys.path.insert(0, os.getcwd())
    from app import create_app
    from components.settings import Settings

    app = create_app(Settings(cache_type="NullCache", cache_dir=tempfile.mkdtemp() + "/c"))
    client = app.server.test_client()
    deps = client.get("/_dash-dependencies").get_json()
    dep = next(d for d in deps if "lab-globe-graph.figure" in d["output"])
    inp = dep["inputs"][0]
    outputs = [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]}
               for p in dep["output"].strip(".").split("...")]
    body = {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": inp["id"], "property": inp["property"], "value": CASES[case]}],
            "changedPropIds": [f"{inp['id']}.{inp['property']}"], "state": []}
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    t0 = time.perf_counter()
    try:
        r = client.post("/_dash-update-component", json=body)
        status = r.status_code
        text = r.get_data(as_text=True)
        alert = "lower N" if "lower N" in text else ("φ" if "φ dwarfs" in text or "dwarfs" in text else "")
    except MemoryError:
        status, alert = "MemoryError", ""
    return {"case": case, "status": status, "seconds": round(time.perf_counter() - t0, 2),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "before_request_mib": round(base / 1024, 1), "message": alert}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--case")
    ap.add_argument("--child", action="store_true")
    ap.add_argument("--cap-gib", type=float, default=6.0)
    ap.add_argument("--timeout", type=float, default=600.0)
    args = ap.parse_args()
    if args.child:
        cap = int(args.cap_gib * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
        print(json.dumps(_one(args.case)))
        return
    cases = [args.case] if args.case else list(CASES)
    print("| case | HTTP status | seconds | peak RSS (MiB) | message names |")
    print("|---|---|---|---|---|")
    for case in cases:
        t0 = time.perf_counter()
        try:
            out = subprocess.run([sys.executable, __file__, "--child", "--case", case, "--cap-gib", str(args.cap_gib)],
                                 capture_output=True, text=True, timeout=args.timeout)
            lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
            row = json.loads(lines[-1]) if lines else {"case": case, "status": f"died ({out.returncode})",
                                                       "seconds": round(time.perf_counter() - t0, 1),
                                                       "peak_rss_mib": "?", "message": ""}
        except subprocess.TimeoutExpired:
            row = {"case": case, "status": "timeout", "seconds": args.timeout, "peak_rss_mib": "?", "message": ""}
        print(f"| {row['case']} | {row['status']} | {row['seconds']} | {row['peak_rss_mib']} | {row['message']} |",
              flush=True)


if __name__ == "__main__":
    main()
