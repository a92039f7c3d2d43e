# QEMU backend sources (owned by the QEMU backend work): qemu-system-x86_64
# as the shim's child, driven over QMP. See docs/qemu-backend.md.
target_sources(ember_shim PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/qemu_balloon.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_command.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_console.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_fd_reader.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_output.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_process.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_vmm.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qemu_vmm_ops.cpp
  ${CMAKE_CURRENT_LIST_DIR}/qmp_client.cpp)
