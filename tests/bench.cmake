# The benchmark's smoke run: a 2 MB corpus, one run of each tool. It checks
# that the benchmark works and prints its ratios; it asserts no speed.
add_test(NAME bench_smoke
         COMMAND ${CMAKE_SOURCE_DIR}/bench/run.sh --smoke --bin ${JK_BIN}
                 --out ${CMAKE_BINARY_DIR}/bench-smoke)
set_tests_properties(bench_smoke PROPERTIES
  PASS_REGULAR_EXPRESSION "ratio junkai 2 threads/1 += [0-9.]+")
