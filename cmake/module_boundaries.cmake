# Enforces the module rule from DEVELOPERS.md: format/ and scheduler/ know
# nothing of PostgreSQL. Configuration fails if one of their sources includes
# a libpq header or if their targets link libpq.
foreach(module format scheduler)
  file(GLOB_RECURSE _sources
       "${CMAKE_SOURCE_DIR}/${module}/*.h" "${CMAKE_SOURCE_DIR}/${module}/*.cc")
  foreach(_file ${_sources})
    file(STRINGS "${_file}" _hits REGEX "#[ \t]*include[ \t]*[<\"](libpq-fe|libpq/|postgres|pg_config)")
    if(_hits)
      message(FATAL_ERROR "${_file}: the ${module} module must not include libpq (${_hits})")
    endif()
  endforeach()
  get_target_property(_libs ${module} LINK_LIBRARIES)
  get_target_property(_ilibs ${module} INTERFACE_LINK_LIBRARIES)
  foreach(_lib ${_libs} ${_ilibs})
    if(_lib MATCHES "PostgreSQL|pq" OR _lib STREQUAL "engine")
      message(FATAL_ERROR "the ${module} module must not link libpq (${_lib})")
    endif()
  endforeach()
endforeach()
