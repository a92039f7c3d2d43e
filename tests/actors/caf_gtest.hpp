#pragma once
// CAF 0.17's deterministic test DSL (test_coordinator_fixture, expect, allow,
// disallow) inside GoogleTest. Include this instead of <gtest/gtest.h>.
//
// dsl.hpp was written for CAF's own test runner: its checks report to a
// current test object that does not exist under gtest, and it calls a function
// named FAIL, which gtest defines as a macro. So gtest is told not to define
// FAIL, and the CAF check macros dsl.hpp uses are re-pointed at gtest before
// dsl.hpp is parsed. caf_test_glue.cpp supplies the runner's symbols.
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

#define GTEST_DONT_DEFINE_FAIL 1
#include <gtest/gtest.h>

#include <caf/test/unit_test.hpp>

namespace ember::cafgt {

// A failed DSL requirement cannot continue (some fire in destructors): record
// it with gtest and abort, as CAF's runner does. ctest runs each test in its
// own process, so only the failing test is lost.
[[noreturn]] inline void abort_test(const char* file, int line, const std::string& what) {
  ADD_FAILURE_AT(file, line) << what;
  std::fflush(stdout);
  std::abort();
}

}  // namespace ember::cafgt

// Called by dsl.hpp (e.g. by the fixture's request<T>() on an error reply).
inline void FAIL(const std::string& what) {
  ember::cafgt::abort_test(__FILE__, __LINE__, what);
}

#undef CAF_MESSAGE
#undef CAF_FAIL
#undef CAF_REQUIRE
#undef CAF_REQUIRE_FUNC
#undef CAF_CHECK_FUNC

#define CAF_MESSAGE(msg) \
  do {                   \
  } while (false)

#define CAF_FAIL(msg)                                                 \
  do {                                                                \
    std::ostringstream caf_fail_os_;                                  \
    caf_fail_os_ << msg;                                              \
    ember::cafgt::abort_test(__FILE__, __LINE__, caf_fail_os_.str()); \
  } while (false)

#define CAF_REQUIRE(...)                                                                 \
  do {                                                                                   \
    if (!static_cast<bool>(__VA_ARGS__))                                                 \
      ember::cafgt::abort_test(__FILE__, __LINE__, "requirement failed: " #__VA_ARGS__); \
  } while (false)

#define CAF_REQUIRE_FUNC(func, x_expr, y_expr)                                             \
  do {                                                                                     \
    func caf_cmp_;                                                                         \
    auto&& caf_x_ = x_expr;                                                                \
    auto&& caf_y_ = y_expr;                                                                \
    if (!caf_cmp_(caf_x_, caf_y_))                                                         \
      ember::cafgt::abort_test(                                                            \
          __FILE__, __LINE__,                                                              \
          caf::deep_to_string(caf_x_) + " does not match " + caf::deep_to_string(caf_y_)); \
  } while (false)

#define CAF_CHECK_FUNC(func, x_expr, y_expr)                                                 \
  do {                                                                                       \
    func caf_cmp_;                                                                           \
    auto&& caf_x_ = x_expr;                                                                  \
    auto&& caf_y_ = y_expr;                                                                  \
    EXPECT_TRUE(caf_cmp_(caf_x_, caf_y_))                                                    \
        << caf::deep_to_string(caf_x_) << " does not match " << caf::deep_to_string(caf_y_); \
  } while (false)

#include <caf/test/dsl.hpp>
