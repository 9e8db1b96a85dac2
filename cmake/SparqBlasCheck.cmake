# LibTorch from Debian takes its BLAS through the libblas.so.3 alternative. When that resolves
# to the reference BLAS, matrix products run about 40x slower: refuse to configure.
function(sparq_check_blas)
  get_target_property(_torch_cpu torch_cpu IMPORTED_LOCATION_RELWITHDEBINFO)
  foreach(_cfg IMPORTED_LOCATION IMPORTED_LOCATION_NONE IMPORTED_LOCATION_RELEASE)
    if(NOT _torch_cpu)
      get_target_property(_torch_cpu torch_cpu ${_cfg})
    endif()
  endforeach()
  if(NOT _torch_cpu OR NOT EXISTS "${_torch_cpu}")
    message(STATUS "Sparq: BLAS check skipped (torch_cpu location unknown)")
    return()
  endif()
  find_program(_ldd ldd)
  if(NOT _ldd)
    return()
  endif()
  execute_process(COMMAND ${_ldd} ${_torch_cpu} OUTPUT_VARIABLE _deps ERROR_QUIET)
  if(_deps MATCHES "libblas\\.so\\.3 => ([^ \n]+)")
    get_filename_component(_blas "${CMAKE_MATCH_1}" REALPATH)
    if(_blas MATCHES "/blas/libblas")
      message(FATAL_ERROR
        "LibTorch would run on the reference BLAS (${_blas}), about 40x slower.\n"
        "Install OpenBLAS for OpenMP: sudo apt-get install libopenblas0-openmp\n"
        "(or run installer/setup-deps.sh); if it is installed already, select it with\n"
        "sudo update-alternatives --auto libblas.so.3-${CMAKE_LIBRARY_ARCHITECTURE}\n"
        "Then configure again.")
    endif()
    if(NOT _blas MATCHES "openmp")
      message(WARNING "LibTorch BLAS is ${_blas}; libopenblas0-openmp is recommended "
                      "(LibTorch threads with OpenMP; a pthread BLAS oversubscribes the cores)")
    endif()
    message(STATUS "Sparq: LibTorch BLAS = ${_blas}")
  elseif(_deps MATCHES "libblas\\.so\\.3 => not found")
    message(FATAL_ERROR "LibTorch needs libblas.so.3: sudo apt-get install libopenblas0-openmp")
  endif()
endfunction()
