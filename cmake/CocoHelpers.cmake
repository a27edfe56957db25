# coco_test(NAME <target> SOURCES <files...> LIBS <libs...> LABELS <labels...>)
# Builds one GoogleTest binary and registers its cases with ctest under the given labels.
function(coco_test)
  cmake_parse_arguments(T "" "NAME" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} GTest::gtest GTest::gtest_main coco_warnings)
  target_compile_definitions(${T_NAME} PRIVATE
    COCO_SHARED_DIR="${COCO_SHARED_DIR}"
    COCO_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    COCO_KEY_CACHE_DIR="${COCO_KEY_CACHE_DIR}")
  gtest_discover_tests(${T_NAME}
    PROPERTIES LABELS "${T_LABELS}"
    DISCOVERY_TIMEOUT 60)
endfunction()
