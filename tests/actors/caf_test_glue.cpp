// The symbols of CAF's unit-test engine that dsl.hpp refers to (argc, argv,
// current_test, ...), without CAF's main: gtest_main runs the tests.
#define CAF_TEST_NO_MAIN
#include <caf/test/unit_test_impl.hpp>
