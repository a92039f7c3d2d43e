#!/usr/bin/env python3
"""Summarises bench/flood_share.sh output: per setting, each round's unloaded
and flooded p50/p99 of the well-behaved clients, the p99 ratio and the
flooder's share of the calls; then the medians over the rounds."""
import json
import statistics
import sys


def rows(path):
    for line in open(path):
        rec = json.loads(line)
        phases = {p["flood"]: p for p in rec["result"]["phases"]}
        base, fast = phases["unloaded"], phases["fast"]
        yield {
            "share": rec["share_in_flight"],
            "round": rec["round"],
            "load": rec["loadavg"],
            "unloaded_p50": base["latency_us"]["p50"],
            "unloaded_p99": base["latency_us"]["p99"],
            "fast_p50": fast["latency_us"]["p50"],
            "fast_p99": fast["latency_us"]["p99"],
            "ratio": fast["latency_us"]["p99"] / base["latency_us"]["p99"],
            "flood_answered": fast["flood_answered"],
            "calls_per_second": fast["calls_per_second"],
        }


def main():
    data = list(rows(sys.argv[1]))
    print("| share_in_flight | round | load average | unloaded p50 / p99 µs | "
          "fast flood p50 / p99 µs | p99 / unloaded | flooder answered |")
    print("|---|---|---|---|---|---|---|")
    for r in sorted(data, key=lambda r: (not r["share"], r["round"])):
        print(f"| {str(r['share']).lower()} | {r['round']} | {r['load']} | "
              f"{r['unloaded_p50']:.0f} / {r['unloaded_p99']:.0f} | "
              f"{r['fast_p50']:.0f} / {r['fast_p99']:.0f} | {r['ratio']:.2f} | "
              f"{r['flood_answered']:,} |")
    for share in (True, False):
        sel = [r for r in data if r["share"] == share]
        if not sel:
            continue
        ratios = sorted(r["ratio"] for r in sel)
        print(f"share_in_flight={str(share).lower()}: p99/unloaded median "
              f"{statistics.median(ratios):.2f}, range {ratios[0]:.2f}-{ratios[-1]:.2f}, "
              f"within 2x in {sum(x <= 2 for x in ratios)} of {len(ratios)}")


if __name__ == "__main__":
    main()
