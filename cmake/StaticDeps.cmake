# Static linking per program. A program whose target has the property
# EMBER_STATIC_DEPS set (ember-shim: one exec per VM, so its start-up must be
# cheap) links the archives Debian ships instead of the shared libraries; every
# other program links the shared ones. The choice is made where a library names
# its dependency, with a generator expression evaluated for the program being
# linked:
#   ember_static_dep(EMBER_PROTOBUF protobuf::libprotobuf libprotobuf.a ZLIB::ZLIB)
#   target_link_libraries(ember_messages PUBLIC ${EMBER_PROTOBUF})
# sets EMBER_PROTOBUF to the target, or, for such a program, to the archive
# (plus what the archive itself needs). No archive found: always the target.
function(ember_static_dep out_var target archive)
  find_library(_ember_archive_${archive} NAMES ${archive})
  set(archive_path "${_ember_archive_${archive}}")
  if(NOT archive_path)
    set(${out_var} ${target} PARENT_SCOPE)
    return()
  endif()
  set(static_items "${archive_path}" ${ARGN})
  string(REPLACE ";" "$<SEMICOLON>" static_items "${static_items}")
  set(${out_var}
      "$<IF:$<BOOL:$<TARGET_PROPERTY:EMBER_STATIC_DEPS>>,${static_items},${target}>"
      PARENT_SCOPE)
endfunction()
