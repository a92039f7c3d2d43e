#!/bin/sh
# Plots from the JSON files of bench/run_all.sh (needs jq and gnuplot-nox):
#   bench/plot.sh RESULTS_DIR DOCS_DIR
# writes DOCS_DIR/bench-lifecycle-latency.png and DOCS_DIR/bench-scale-rss.png.
set -eu
IN=$1
OUT=$2
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# concurrency, create p50/p99, stop p50/p99 (ms), cycles/s
for c in 1 4 16 64; do
  jq -r --arg c "$c" '[$c, .create_us.p50/1000, .create_us.p99/1000,
      .stop_us.p50/1000, .stop_us.p99/1000, .cycles_per_second] | @tsv' \
    "$IN/lifecycle_c$c.json"
done >"$TMP/lifecycle.tsv"

# live VMs, RSS (MiB), fds: before, the ramp, all alive, after
jq -r '.emberd | ([.before] + .ramp + [.alive]) | .[] |
    [.vms, .rss_kib/1024, .fds] | @tsv' "$IN/scale.json" >"$TMP/scale.tsv"

gnuplot <<GP
set terminal pngcairo size 900,540 font ",11"
set datafile separator "\t"
set grid

set output "$OUT/bench-lifecycle-latency.png"
set title "emberd lifecycle (hollow): latency against concurrency"
set xlabel "create+stop cycles in flight (C)"
set ylabel "latency (ms)"
set logscale x 2
set xrange [0.8:80]
set xtics ("1" 1, "4" 4, "16" 16, "64" 64)
set yrange [0:*]
set y2range [0:*]
set key top left
set y2label "cycles/s"
set y2tics
set ytics nomirror
plot "$TMP/lifecycle.tsv" using 1:2 with linespoints lw 2 title "CreateVM p50", \
     "" using 1:3 with linespoints lw 2 dt 2 title "CreateVM p99", \
     "" using 1:4 with linespoints lw 2 title "StopVM p50", \
     "" using 1:5 with linespoints lw 2 dt 2 title "StopVM p99", \
     "" using 1:6 axes x1y2 with linespoints lw 2 lc rgb "black" title "cycles/s (right)"

reset
set terminal pngcairo size 900,540 font ",11"
set datafile separator "\t"
set grid
set output "$OUT/bench-scale-rss.png"
set title "emberd RSS and open fds against live VMs (hollow)"
set xlabel "VMs alive"
set ylabel "RSS (MiB)"
set y2label "open fds"
set y2tics
set ytics nomirror
set yrange [0:70]
set y2range [0:*]
set key top left opaque box
# The goals of issue 5: RSS <= 64 MiB with 1,000 VMs, <= 3 fds per VM.
fds0 = system("head -1 $TMP/scale.tsv | cut -f3") + 0
plot "$TMP/scale.tsv" using 1:2 with linespoints lw 2 title "RSS (MiB)", \
     "" using 1:3 axes x1y2 with linespoints lw 2 title "fds (right)", \
     64 with lines dt 2 lc rgb "purple" title "goal: RSS <= 64 MiB", \
     fds0 + 3 * x axes x1y2 with lines dt 2 lc rgb "dark-green" title "goal: 3 fds per VM (right)"
GP
echo "wrote $OUT/bench-lifecycle-latency.png $OUT/bench-scale-rss.png"
