# CPU budgets for benchmarks that stand several "hosts" on this one machine:
# cpu_budget NAME PID PERCENT puts PID (all its threads, and every process it
# starts from then on, e.g. an emberd's shims) in its own cpu cgroup, capped
# at PERCENT of one core; cpu_budget_lift NAME lifts the cap;
# cpu_budget_remove NAME removes the group (its processes must be gone).
# cgroup v2 (/sys/fs/cgroup/cgroup.controllers) or v1 (/sys/fs/cgroup/cpu).
# Sourced by bench/fleet.sh; needs root.

cpu_budget_dir() {
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo "/sys/fs/cgroup/$1"
  else
    echo "/sys/fs/cgroup/cpu/$1"
  fi
}

cpu_budget() {
  d=$(cpu_budget_dir "$1")
  mkdir -p "$d"
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control || echo +cpu >/sys/fs/cgroup/cgroup.subtree_control
    echo "$(($3 * 1000)) 100000" >"$d/cpu.max"
  else
    echo 100000 >"$d/cpu.cfs_period_us"
    echo "$(($3 * 1000))" >"$d/cpu.cfs_quota_us"
  fi
  echo "$2" >"$d/cgroup.procs"
}

cpu_budget_lift() {
  d=$(cpu_budget_dir "$1")
  [ -d "$d" ] || return 0
  if [ -f /sys/fs/cgroup/cgroup.controllers ]; then
    echo "max 100000" >"$d/cpu.max"
  else
    echo -1 >"$d/cpu.cfs_quota_us"
  fi
}

cpu_budget_remove() {
  d=$(cpu_budget_dir "$1")
  [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
}
