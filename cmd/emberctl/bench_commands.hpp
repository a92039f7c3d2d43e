#pragma once
// `emberctl bench SCENARIO`: a load generator against a running emberd
// (docs/cli.md, docs/benchmarks.md).
#include "cmd/emberctl/invocation.hpp"

namespace CLI {
class App;
}

namespace ember::ctl {

// Adds `bench` to root with one subcommand per scenario: lifecycle, rpc,
// stop-latency, scale, boot.
void add_bench_commands(CLI::App& root, Action* chosen);

}  // namespace ember::ctl
