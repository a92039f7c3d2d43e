#pragma once
// The text of a VM's tombstone (docs/operations.md#consoles-logs-and-post-mortems): how it ended,
// its times and the tail of its console, gathered from its VM directory just
// before that directory is removed. One JSON object.
#include <cstdint>
#include <string>

#include "messages/vm_effects.hpp"

namespace ember::shimproc {

struct TombstoneFacts {
  msg::VmKey key;
  std::string backend;
  msg::VmEnd end;
  int64_t created_ms = 0;  // Unix ms; 0: when the shim started serving (its state file)
  int64_t exited_ms = 0;   // Unix ms
};

// The record for the VM whose directory is vm_dir, with at most tail_bytes of
// its console. False (nothing to keep) when facts.end.only_with_console and
// the VM left no console.
bool make_tombstone(const std::string& vm_dir, const TombstoneFacts& facts, size_t tail_bytes,
                    std::string* out);

// The last max_bytes of the console: console.log, preceded by the end of
// console.log.1 when console.log alone is shorter. Empty when there is none.
std::string console_tail(const std::string& vm_dir, size_t max_bytes);

// end, told as a boot watchdog's end when reason (the watchdog's) is set: a
// VM whose watchdog fired ended because of it, however it was then removed
// (a StopVM, usually), and its tombstone says so first.
msg::VmEnd with_boot_failure(msg::VmEnd end, const std::string& reason);

// Unix ms as "2026-12-01T16:40:00.123Z".
std::string utc_time(int64_t unix_ms);

}  // namespace ember::shimproc
