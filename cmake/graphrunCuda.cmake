# Finding nvcc and enabling CUDA, shared by graphrun's own build (CMakeLists.txt) and by plugins
# (graphrunPlugin.cmake, installed with the SDK beside this file).
#
#   graphrun_enable_cuda(<switch> <result>)
#
# <switch> names a variable holding AUTO, ON or OFF: OFF leaves CUDA off, AUTO enables it when
# nvcc is found (CMake's search, then the toolkit's default /usr/local/cuda), ON must find it.
# <result> is set to ON when the CUDA language was enabled, else OFF. Without
# CMAKE_CUDA_ARCHITECTURES the code is built for sm_90 (H100 / H200). A macro: enable_language
# must run at directory scope.
macro(graphrun_enable_cuda switch result)
  set(${result} OFF)
  if(NOT ${switch} STREQUAL "OFF")
    if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
      set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
    endif()
    include(CheckLanguage)
    check_language(CUDA)
    if(CMAKE_CUDA_COMPILER)
      if(NOT CMAKE_CUDA_ARCHITECTURES)
        set(CMAKE_CUDA_ARCHITECTURES 90)  # H100 / H200
      endif()
      enable_language(CUDA)
      set(${result} ON)
    elseif(${switch} STREQUAL "ON")
      message(FATAL_ERROR "${switch}=ON but no CUDA compiler (nvcc) was found")
    endif()
  endif()
endmacro()
