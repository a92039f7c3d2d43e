#pragma once
// A fault-injection seam for tests of the recovery scan: it holds the scan
// inside its race window (after it decided a VM directory has no live shim,
// before it removes the directory) for as long as a test wants.
//
// With EMBER_TEST_RECOVERY_GATE=<unix socket path> in emberd's environment,
// the scan connects there before each such removal, sends the directory's
// path and a newline, and waits until the peer closes the connection. Unset
// (always, outside tests), or nobody listening: it does nothing.
#include <string>

namespace ember::shimproc {

inline constexpr const char* kRecoveryGateEnv = "EMBER_TEST_RECOVERY_GATE";

void pass_recovery_gate(const std::string& vm_dir);

}  // namespace ember::shimproc
