# Build speed. LibTorch's headers cost GCC about 14 s per translation unit to parse and another
# 6 s to instantiate the templates their inline functions use (measured in docs/BENCHMARKS.md,
# "Build time"); Qt Widgets with QCustomPlot about 7 s. Two remedies, both on by default:
#   SPARQ_PCH    one precompiled header per library family (LibTorch, Qt), built once and
#                reused by every target of that family (REUSE_FROM: same flags everywhere).
#   SPARQ_UNITY  LibTorch and Qt targets compile their sources in small batches, so the
#                instantiation cost that a precompiled header cannot save is paid once per batch.
option(SPARQ_PCH "Precompiled headers for LibTorch and Qt targets" ON)
option(SPARQ_UNITY "Compile LibTorch-heavy targets in batches of sources (unity build)" ON)
set(SPARQ_UNITY_BATCH 6 CACHE STRING "Sources per unity batch")

# ccache hashes a precompiled header by content only when told that its timestamps and the
# macros around it do not matter.
if(SPARQ_CCACHE)
  set(_sparq_launcher ${CMAKE_COMMAND} -E env
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime ${SPARQ_CCACHE})
  set(CMAKE_C_COMPILER_LAUNCHER ${_sparq_launcher})
  set(CMAKE_CXX_COMPILER_LAUNCHER ${_sparq_launcher})
endif()

# The LibTorch header every torch target shares. Compiled in a target of its own whose flags
# match the targets that reuse it (the warnings, LibTorch's definitions and include folders).
function(sparq_make_torch_pch)
  if(NOT SPARQ_PCH)
    return()
  endif()
  add_library(sparq_torch_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
  # The engine and its tests compile with OpenMP (the CPU kernels'); a header precompiled
  # without it would be refused.
  target_link_libraries(sparq_torch_pch PRIVATE ${TORCH_LIBRARIES} OpenMP::OpenMP_CXX)
  target_compile_options(sparq_torch_pch PRIVATE ${SPARQ_WARNINGS})
  target_precompile_headers(sparq_torch_pch PRIVATE ${PROJECT_SOURCE_DIR}/engine/src/torch_pch.h)
endfunction()

# A target whose sources include LibTorch: the shared header, and unity batches.
function(sparq_torch_target target)
  if(SPARQ_PCH)
    target_precompile_headers(${target} REUSE_FROM sparq_torch_pch)
  endif()
  if(SPARQ_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${SPARQ_UNITY_BATCH})
  endif()
endfunction()

# An executable whose sources include LibTorch: its own copy of the header (an executable is
# compiled position-independent for itself, -fPIE, and GCC refuses a header made with -fPIC).
function(sparq_torch_executable target)
  if(SPARQ_PCH)
    target_precompile_headers(${target} PRIVATE ${PROJECT_SOURCE_DIR}/engine/src/torch_pch.h)
  endif()
  if(SPARQ_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE ${SPARQ_UNITY_BATCH})
  endif()
endfunction()

# The Qt header (Widgets, QCustomPlot) every Qt target shares.
function(sparq_make_qt_pch)
  if(NOT SPARQ_PCH)
    return()
  endif()
  add_library(sparq_qt_pch OBJECT ${PROJECT_SOURCE_DIR}/cmake/pch_anchor.cpp)
  target_link_libraries(sparq_qt_pch PRIVATE Qt6::Widgets Qt6::PrintSupport QCustomPlotQt6::QCustomPlotQt6)
  target_compile_options(sparq_qt_pch PRIVATE ${SPARQ_WARNINGS})
  target_precompile_headers(sparq_qt_pch PRIVATE ${PROJECT_SOURCE_DIR}/ui/common/qt_pch.h)
endfunction()

# A Qt target: the shared header, and unity batches (each Qt translation unit still costs about
# 2.5 s with the header precompiled: the templates QCustomPlot's inline code instantiates).
function(sparq_qt_target target)
  if(SPARQ_PCH)
    target_precompile_headers(${target} REUSE_FROM sparq_qt_pch)
  endif()
  if(SPARQ_UNITY)
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
