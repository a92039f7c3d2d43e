# QEMU backend tests (label qemu).
# qemu_unit_test: the backend's parts without a VM (real child processes,
# socketpairs standing in for QEMU's end of QMP and the console).
add_executable(qemu_unit_test
  qemu_balloon_test.cpp
  qemu_command_test.cpp
  qemu_console_test.cpp
  qemu_process_test.cpp
  qmp_client_test.cpp
  shim_harness.cpp
  temp_tree.cpp)
target_link_libraries(qemu_unit_test PRIVATE ember_shim ember_shimproc ember_io
  nlohmann_json::nlohmann_json GTest::gtest_main)
target_compile_definitions(qemu_unit_test PRIVATE EMBER_SHIM_BINARY="$<TARGET_FILE:ember-shim>")
gtest_discover_tests(qemu_unit_test PROPERTIES TIMEOUT 120 LABELS qemu)

# qemu_backend_test: real QEMU VMs (TCG here) booted by the real ember-shim,
# driven over its fccontrol socket. The guest image comes from
# deploy/guest/build-guest.sh (cached); without qemu-system-x86_64 the tests
# are skipped.
add_executable(qemu_backend_test
  qemu_backend_test.cpp
  qemu_exit_test.cpp
  qemu_guest.cpp
  shim_harness.cpp
  temp_tree.cpp)
target_link_libraries(qemu_backend_test PRIVATE ember_shim ember_shimproc ember_io
  nlohmann_json::nlohmann_json GTest::gtest_main)
target_compile_definitions(qemu_backend_test PRIVATE
  EMBER_SHIM_BINARY="$<TARGET_FILE:ember-shim>"
  EMBER_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(qemu_backend_test ember-shim)
gtest_discover_tests(qemu_backend_test PROPERTIES TIMEOUT 300 LABELS qemu)
