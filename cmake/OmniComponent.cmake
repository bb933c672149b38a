# Helpers that keep every component's CMakeLists.txt to a few lines.
#
#   omni_component(NAME protocol SOURCES a.cpp b.cpp DEPS omni_core)
#     builds the static library omni_<NAME> from src/<NAME>/, with src/ as the include root
#     (so code writes #include "core/quantity.hpp"), project warnings, and DEPS as its
#     public dependencies. A component without .cpp files is an INTERFACE library.
#
#   omni_test_suite(NAME protocol_tests COMPONENT protocol KIND unit SOURCES ... LIBS ...)
#     builds one GoogleTest executable and registers each test with CTest, labelled with its
#     kind (unit, integration, e2e, fuzz) and its component, so `ctest -L protocol` works.
function(omni_component)
  cmake_parse_arguments(C "" "NAME" "SOURCES;DEPS" ${ARGN})
  set(target omni_${C_NAME})
  if(C_SOURCES)
    add_library(${target} STATIC ${C_SOURCES})
    target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} PUBLIC ${C_DEPS} PRIVATE omni_warnings)
  else()
    add_library(${target} INTERFACE)
    target_include_directories(${target} INTERFACE ${PROJECT_SOURCE_DIR}/src)
    target_link_libraries(${target} INTERFACE ${C_DEPS})
  endif()
endfunction()

function(omni_test_suite)
  cmake_parse_arguments(T "" "NAME;COMPONENT;KIND;TIMEOUT" "SOURCES;LIBS" ${ARGN})
  if(NOT T_KIND)
    set(T_KIND unit)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests)
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} omni_test_support GTest::gtest GTest::gmock
                        omni_warnings)
  # PRE_TEST: discover at ctest time, not build time (cheaper builds on 2 cores).
  gtest_discover_tests(${T_NAME}
    DISCOVERY_MODE PRE_TEST
    TEST_PREFIX "${T_COMPONENT}."
    PROPERTIES TIMEOUT ${T_TIMEOUT}
    DISCOVERY_TIMEOUT 30)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/GTestLabels.cmake.in
                 ${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake @ONLY)
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES
               ${CMAKE_CURRENT_BINARY_DIR}/${T_NAME}_labels.cmake)
endfunction()
