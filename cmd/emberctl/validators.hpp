#pragma once
// CLI11 checks shared by emberctl's commands, with messages that say what is
// expected (CLI11's own ranges print the limits of a double).
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

#include "base/ids.hpp"
#include "cmd/emberctl/path_arguments.hpp"
#include "messages/machine_limits.hpp"

namespace ember::ctl {

// Integers >= 0 (balloon sizes, intervals).
inline CLI::Validator non_negative() {
  return CLI::Validator(
      [](std::string& s) {
        return !s.empty() && s[0] == '-' ? "must be 0 or more, got " + s : std::string();
      },
      "NONNEGATIVE", "NonNegative");
}

inline CLI::Validator non_empty() {
  return CLI::Validator(
      [](std::string& s) { return s.empty() ? std::string("must not be empty") : std::string(); },
      "", "NonEmpty");
}

// A deadline in seconds: more than 1 ms, at most a year (keeps the value in
// range of a nanosecond count). Text that is not a number is left to the
// conversion, which reports it.
inline CLI::Validator deadline_seconds() {
  return CLI::Validator(
      [](std::string& s) {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (end == s.c_str() || *end != '\0') return std::string();
        if (v >= 0.001 && v <= 31536000.0) return std::string();
        return "must be between 0.001 and 31536000 seconds, got " + s;
      },
      "", "DeadlineSeconds");
}

// An integer in [lo, hi]: "must be between 1 and 32, got 0".
inline CLI::Validator between(uint64_t lo, uint64_t hi) {
  return CLI::Validator(
      [lo, hi](std::string& s) {
        char* end = nullptr;
        const long long v = std::strtoll(s.c_str(), &end, 10);
        if (end == s.c_str() || *end != '\0') return std::string();  // the conversion says
        if (v >= 0 && static_cast<uint64_t>(v) >= lo && static_cast<uint64_t>(v) <= hi)
          return std::string();
        return "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " +
               s;
      },
      "", "Between");
}

// A containerd namespace, checked before any call, in the flag's words.
inline CLI::Validator namespace_name() {
  return CLI::Validator(
      [](std::string& s) {
        Status st = validate_identifier(s, "namespace");
        return st.ok() ? std::string() : st.message();
      },
      "", "Namespace");
}

// --drive PATH[:VMPATH][:rw|:ro] (path_arguments.hpp).
inline CLI::Validator drive_argument() {
  return CLI::Validator(
      [](std::string& s) {
        DriveArgument d;
        Status st = parse_drive_argument(s, 0, &d);
        return st.ok() ? std::string() : st.message();
      },
      "", "Drive");
}

}  // namespace ember::ctl
