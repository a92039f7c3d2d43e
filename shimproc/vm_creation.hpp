#pragma once
// A VM directory's creation marker. emberd makes `.creating` in the directory
// before it spawns the shim, and renames it to `.created` once the shim
// answered CreateVM with OK, before the caller hears so. After an emberd
// restart a directory still marked `.creating` is a VM whose create never
// completed: recovery kills its shim and removes it instead of adopting it
// (docs/reliability.md, "Restart and crash recovery").
//
// The names start with a dot, so no container id (linked into the same
// directory) can take them. No fsync: like the shim's state file this is
// runtime state, and a crash of the machine ends every shim too.
#include <string>

#include "base/status.hpp"

namespace ember::shimproc {

inline constexpr const char* kCreatingMarker = ".creating";
inline constexpr const char* kCreatedMarker = ".created";

enum class VmCreation {
  unmarked,  // made by an emberd older than the markers (or just made, no shim yet)
  creating,  // the shim may run, but CreateVM has not completed
  created,   // CreateVM answered OK
};

// Makes vm_dir/.creating (0600); ALREADY_EXISTS if any marker is there.
Status mark_creating(const std::string& vm_dir);
// Renames .creating to .created, atomically: a reader sees one or the other.
Status mark_created(const std::string& vm_dir);
// What the markers of vm_dir say (symlinks are not followed).
VmCreation creation_of(const std::string& vm_dir);
const char* to_string(VmCreation c);

}  // namespace ember::shimproc
