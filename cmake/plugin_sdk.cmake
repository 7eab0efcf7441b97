# The plugin SDK: `cmake --install` puts the plugin headers and a CMake package (graphrunConfig
# with the imported target graphrun::plugin) under the prefix, so a plugin outside this tree
# builds with find_package(graphrun). The example plugins (plugins/) are built here exactly
# that way: the SDK is installed into the build tree and a separate CMake project finds it.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
include(ExternalProject)

file(STRINGS ${CMAKE_SOURCE_DIR}/core/include/graphrun/plugin.h abi_line REGEX "#define GRAPHRUN_PLUGIN_ABI_VERSION")
string(REGEX REPLACE ".*VERSION ([0-9]+).*" "\\1" GRAPHRUN_PLUGIN_ABI_VERSION "${abi_line}")

add_library(graphrun_plugin INTERFACE)
add_library(graphrun::plugin ALIAS graphrun_plugin)
target_include_directories(graphrun_plugin INTERFACE $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/core/include>
                                                     $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
target_compile_features(graphrun_plugin INTERFACE cxx_std_17)
set_target_properties(graphrun_plugin PROPERTIES EXPORT_NAME plugin)

set(config_dir ${CMAKE_INSTALL_LIBDIR}/cmake/graphrun)
configure_package_config_file(${CMAKE_SOURCE_DIR}/cmake/graphrunConfig.cmake.in
                              ${CMAKE_BINARY_DIR}/graphrunConfig.cmake INSTALL_DESTINATION ${config_dir})
# 0.x: a minor version may change the SDK (the plugin ABI itself has its own version).
write_basic_package_version_file(${CMAKE_BINARY_DIR}/graphrunConfigVersion.cmake COMPATIBILITY SameMinorVersion)

install(TARGETS graphrun RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT runtime)
# The installed plugin folder: a graph's plugin entries are looked up there (after
# GRAPHRUN_PLUGIN_PATH) by an installed graphrun, which finds it from its own place.
set(GRAPHRUN_INSTALL_PLUGINDIR ${CMAKE_INSTALL_LIBDIR}/graphrun/plugins)
install(DIRECTORY DESTINATION ${GRAPHRUN_INSTALL_PLUGINDIR} COMPONENT runtime)
set_source_files_properties(${CMAKE_SOURCE_DIR}/core/plugin_loader.cc PROPERTIES COMPILE_DEFINITIONS
    "GRAPHRUN_INSTALL_BINDIR=\"${CMAKE_INSTALL_BINDIR}\";GRAPHRUN_INSTALL_PLUGINDIR=\"${GRAPHRUN_INSTALL_PLUGINDIR}\"")
install(TARGETS graphrun_plugin EXPORT graphrunTargets COMPONENT sdk)
install(FILES ${CMAKE_SOURCE_DIR}/core/include/graphrun/plugin.h ${CMAKE_SOURCE_DIR}/core/include/graphrun/plugin.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/graphrun COMPONENT sdk)
install(EXPORT graphrunTargets NAMESPACE graphrun:: DESTINATION ${config_dir} COMPONENT sdk)
install(FILES ${CMAKE_BINARY_DIR}/graphrunConfig.cmake ${CMAKE_BINARY_DIR}/graphrunConfigVersion.cmake
              ${CMAKE_SOURCE_DIR}/cmake/graphrunPlugin.cmake ${CMAKE_SOURCE_DIR}/cmake/graphrunCuda.cmake
        DESTINATION ${config_dir} COMPONENT sdk)
# The example plugins' sources (docs/plugins.md points to them): each folder builds on its own
# against the installed SDK, as the docs say; c_negate.c is a plugin in C on the ABI alone.
set(examples_dir ${CMAKE_INSTALL_DATADIR}/graphrun/examples)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/plugins/ DESTINATION ${examples_dir} COMPONENT sdk)
install(FILES ${CMAKE_SOURCE_DIR}/tests/plugin_fixtures/c_negate.c DESTINATION ${examples_dir}/c COMPONENT sdk)
file(GLOB_RECURSE example_sources CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/plugins/*)

# The SDK installed into the build tree.
set(GRAPHRUN_SDK_DIR ${CMAKE_BINARY_DIR}/sdk)
set(sdk_stamp ${CMAKE_BINARY_DIR}/sdk.stamp)
add_custom_command(
  OUTPUT ${sdk_stamp}
  COMMAND ${CMAKE_COMMAND} --install ${CMAKE_BINARY_DIR} --component sdk --prefix ${GRAPHRUN_SDK_DIR}
  COMMAND ${CMAKE_COMMAND} -E touch ${sdk_stamp}
  DEPENDS ${CMAKE_SOURCE_DIR}/core/include/graphrun/plugin.h ${CMAKE_SOURCE_DIR}/core/include/graphrun/plugin.hpp
          ${CMAKE_SOURCE_DIR}/cmake/graphrunPlugin.cmake ${CMAKE_SOURCE_DIR}/cmake/graphrunCuda.cmake
          ${CMAKE_BINARY_DIR}/graphrunConfig.cmake ${example_sources}
  COMMENT "cmake --install (component sdk) into ${GRAPHRUN_SDK_DIR}")
add_custom_target(graphrun_sdk DEPENDS ${sdk_stamp})

# A separate CMake project built against that SDK with find_package, as a user builds a plugin;
# installed into build/<name>/lib.
function(graphrun_external_plugins name source_dir)
  set(forward -DCMAKE_BUILD_TYPE=${CMAKE_BUILD_TYPE} -DCMAKE_PREFIX_PATH=${GRAPHRUN_SDK_DIR}
              -DCMAKE_INSTALL_PREFIX=${CMAKE_BINARY_DIR}/${name} -DCMAKE_INSTALL_LIBDIR=lib
              -DCMAKE_CXX_COMPILER=${CMAKE_CXX_COMPILER})
  if(CMAKE_CXX_COMPILER_LAUNCHER)
    list(APPEND forward -DCMAKE_CXX_COMPILER_LAUNCHER=${CMAKE_CXX_COMPILER_LAUNCHER})
  endif()
  if(GRAPHRUN_WITH_CUDA)
    list(APPEND forward -DGRAPHRUN_PLUGIN_CUDA=ON -DCMAKE_CUDA_COMPILER=${CMAKE_CUDA_COMPILER}
                        -DCMAKE_CUDA_ARCHITECTURES=${CMAKE_CUDA_ARCHITECTURES})
  else()
    list(APPEND forward -DGRAPHRUN_PLUGIN_CUDA=OFF)
  endif()
  if(GRAPHRUN_SANITIZE)
    list(APPEND forward "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fno-sanitize=vptr"
                        "-DCMAKE_MODULE_LINKER_FLAGS=-fsanitize=address,undefined -fno-sanitize=vptr")
  endif()
  ExternalProject_Add(${name}
    SOURCE_DIR ${source_dir}
    BINARY_DIR ${CMAKE_BINARY_DIR}/${name}-build
    INSTALL_DIR ${CMAKE_BINARY_DIR}/${name}
    CMAKE_ARGS ${forward}
    BUILD_ALWAYS ON
    DEPENDS graphrun_sdk)
endfunction()

graphrun_external_plugins(example_plugins ${CMAKE_SOURCE_DIR}/plugins)
set(GRAPHRUN_EXAMPLE_PLUGIN_DIR ${CMAKE_BINARY_DIR}/example_plugins/lib)
