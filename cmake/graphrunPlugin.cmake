# Helpers for building graphrun operator plugins (installed with the SDK).
#
#   graphrun_plugin_cuda()   # optional, at directory scope: enables CUDA when nvcc is found
#   graphrun_add_plugin(swish SOURCES swish.cc CUDA_SOURCES swish_cuda.cu CUDA_DEFINE SWISH_WITH_CUDA)
#
# A plugin is a MODULE library (loaded with dlopen, never linked against) that sees only the
# SDK headers. Its symbols are hidden except the two entry points, so two plugins (or two
# versions of plugin.hpp) loaded into one graphrun never interpose each other's code.

include(${CMAKE_CURRENT_LIST_DIR}/graphrunCuda.cmake)

# Enables the CUDA language when GRAPHRUN_PLUGIN_CUDA is ON, or AUTO and nvcc is found
# (graphrunCuda.cmake). A macro: enable_language must run at directory scope.
macro(graphrun_plugin_cuda)
  set(GRAPHRUN_PLUGIN_CUDA AUTO CACHE STRING "Build plugins' CUDA kernels: AUTO (when nvcc is found), ON or OFF")
  graphrun_enable_cuda(GRAPHRUN_PLUGIN_CUDA GRAPHRUN_PLUGIN_WITH_CUDA)
endmacro()

# A plugin is built optimised unless told otherwise: with no CMAKE_BUILD_TYPE (single-config
# generators leave it empty, which compiles at -O0) it gets the Release flags. A build type the
# user sets, or a multi-config generator's configuration, is left alone.
function(graphrun_add_plugin name)
  cmake_parse_arguments(ARG "" "CUDA_DEFINE" "SOURCES;CUDA_SOURCES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  get_property(multi_config GLOBAL PROPERTY GENERATOR_IS_MULTI_CONFIG)
  if(NOT CMAKE_BUILD_TYPE AND NOT multi_config)
    foreach(lang C CXX CUDA)
      separate_arguments(flags UNIX_COMMAND "${CMAKE_${lang}_FLAGS_RELEASE}")
      if(NOT flags)
        set(flags -O3 -DNDEBUG)  # a language not enabled: its Release flags are unset
      endif()
      target_compile_options(${name} PRIVATE "$<$<COMPILE_LANGUAGE:${lang}>:${flags}>")
    endforeach()
  endif()
  target_link_libraries(${name} PRIVATE graphrun::plugin)
  set_target_properties(${name} PROPERTIES C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden
                                           CUDA_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    # Export the two entry points and nothing else (inline and template code included).
    set(map ${CMAKE_CURRENT_BINARY_DIR}/${name}_exports.map)
    file(WRITE ${map} "{ global: graphrun_plugin_abi_version; graphrun_plugin_init; local: *; };\n")
    target_link_options(${name} PRIVATE "LINKER:--version-script=${map}")
    set_property(TARGET ${name} APPEND PROPERTY LINK_DEPENDS ${map})
  endif()
  get_property(languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  if(ARG_CUDA_SOURCES AND "CUDA" IN_LIST languages)
    target_sources(${name} PRIVATE ${ARG_CUDA_SOURCES})
    # The host's CUDA runtime is shared; the plugin uses the same one, so streams it is given
    # are streams it knows.
    set_target_properties(${name} PROPERTIES CUDA_STANDARD 17 CUDA_RUNTIME_LIBRARY Shared)
    if(ARG_CUDA_DEFINE)
      target_compile_definitions(${name} PRIVATE ${ARG_CUDA_DEFINE}=1)
    endif()
  endif()
endfunction()
