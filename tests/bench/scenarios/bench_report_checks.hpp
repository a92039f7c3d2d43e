#pragma once
// What the `emberctl bench` tests check of a report, written once for the
// test files that run the scenarios (with --config and with --address only).
#include <gtest/gtest.h>

#include <cstddef>

#include <nlohmann/json.hpp>

#include "tests/cmd/emberctl/run_emberctl.hpp"
#include "tests/support/emberd_harness.hpp"

namespace ember::ctltest {

// The report of a --json run (one line on stdout).
inline nlohmann::json report_of(const CtlResult& r) {
  nlohmann::json j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "stdout is not JSON: " << r.out << "\nstderr: " << r.err;
  return j;
}

// A latency summary of `count` samples, every statistic present.
inline void expect_summary(const nlohmann::json& s, size_t count) {
  ASSERT_TRUE(s.is_object()) << s;
  EXPECT_EQ(s["count"], count);
  for (const char* k : {"min", "mean", "p50", "p90", "p99", "max"})
    EXPECT_TRUE(s[k].is_number()) << k;
}

// A stop-latency report of `stops` stops, all completed and timed.
inline void expect_stop_latency(const nlohmann::json& j, size_t stops) {
  EXPECT_EQ(j["scenario"], "stop-latency");
  EXPECT_EQ(j["stops"]["requested"], stops);
  EXPECT_EQ(j["stops"]["completed"], stops);
  EXPECT_EQ(j["stops"]["failed"], 0);
  expect_summary(j["exit_to_reply_us"], stops);
  expect_summary(j["stop_to_exit_us"], stops);
  expect_summary(j["stop_call_us"], stops);
}

// No VM directory and no shim left.
inline void expect_nothing_left(const e2e::Emberd& emberd) {
  EXPECT_TRUE(e2e::list_dir(emberd.vm_base_dir()).empty());
  EXPECT_TRUE(e2e::children_of(emberd.pid()).empty());
}

}  // namespace ember::ctltest
