# Firecracker backend tests (owned by the Firecracker backend work).
#
# fake-firecracker stands in for the firecracker binary (which needs
# /dev/kvm): Firecracker's published API on --api-sock, served by a real
# process. The same fake runs in-process for the API client's tests.
add_library(firecracker_fake STATIC
  firecracker_fake_api.cpp
  firecracker_fake_http.cpp
  firecracker_fake_schema.cpp)
target_include_directories(firecracker_fake PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(firecracker_fake PUBLIC ember_io nlohmann_json::nlohmann_json)

add_executable(fake-firecracker firecracker_fake_main.cpp)
target_link_libraries(fake-firecracker PRIVATE firecracker_fake)

add_executable(firecracker_backend_test
  firecracker_api_client_test.cpp
  firecracker_api_test.cpp
  firecracker_fake_api_test.cpp
  firecracker_preflight_test.cpp
  firecracker_process_test.cpp
  firecracker_shim_test.cpp
  firecracker_test_support.cpp
  firecracker_vmm_test.cpp
  shim_harness.cpp
  temp_tree.cpp)
target_link_libraries(firecracker_backend_test PRIVATE ember_shim ember_shimproc ember_io
  firecracker_fake GTest::gtest_main)
target_compile_definitions(firecracker_backend_test PRIVATE
  EMBER_SHIM_BINARY="$<TARGET_FILE:ember-shim>"
  FAKE_FIRECRACKER_BINARY="$<TARGET_FILE:fake-firecracker>")
add_dependencies(firecracker_backend_test ember-shim fake-firecracker)
gtest_discover_tests(firecracker_backend_test PROPERTIES TIMEOUT 120)
