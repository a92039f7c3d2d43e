#pragma once
// How ChildProcess starts a program (the policy is described in
// child_process.hpp). Internal to shimproc.
#include <sys/types.h>

#include "base/status.hpp"
#include "shimproc/child_process.hpp"

namespace ember::shimproc::detail {

// Starts spec's program and answers once its exec happened: the pid of a
// running child of ours, unreaped. On error no child and no fd is left.
Status start_child(const ChildSpec& spec, pid_t* pid);

}  // namespace ember::shimproc::detail
