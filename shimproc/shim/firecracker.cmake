# Firecracker backend sources (owned by the Firecracker backend work): the
# backend drives Firecracker's REST API over a unix socket with libcurl.
find_package(CURL REQUIRED)
target_sources(ember_shim PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_api.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_api_client.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_preflight.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_socket_wait.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_vm_files.cpp
  ${CMAKE_CURRENT_LIST_DIR}/firecracker_vmm.cpp)
target_link_libraries(ember_shim PRIVATE CURL::libcurl Threads::Threads)
