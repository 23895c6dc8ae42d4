# The benchmark's smoke run: a 2 MB corpus, one run of each tool, its corpus
# and results under the build tree (not bench/out). It checks that the
# benchmark works end to end and prints its three ratios; it asserts no
# speed (the ratios may be anything, even "> x" when grep was abandoned).
add_test(NAME bench_smoke
         COMMAND ${CMAKE_SOURCE_DIR}/bench/run.sh --smoke --bin ${JK_BIN}
                 --out ${CMAKE_BINARY_DIR}/bench-smoke
         WORKING_DIRECTORY ${CMAKE_BINARY_DIR})
set_tests_properties(bench_smoke PROPERTIES
  LABELS bench
  TIMEOUT 300
  PASS_REGULAR_EXPRESSION
    "ratio junkai 1 thread / rg += [0-9.]+.*ratio junkai 1 thread / grep += [> ]*[0-9.]+.*ratio junkai 2 threads / 1 thread += [0-9.]+")
