#pragma once
// CLI11 checks shared by emberctl's commands, with messages that say what is
// expected (CLI11's own ranges print the limits of a double).
#include <cstdlib>
#include <string>

#include <CLI/CLI.hpp>

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

}  // namespace ember::ctl
