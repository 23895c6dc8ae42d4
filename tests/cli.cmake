# Integration tests of the junkai program (real binary, real files).
add_test(NAME cli_scan COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/scan_test.py ${JK_BIN})
# Every shipped pack must load cleanly and pass its own examples.
add_test(NAME rules_check_shipped COMMAND sh -c "$0 rules check ${CMAKE_SOURCE_DIR}/rules/*.yaml" ${JK_BIN})
add_test(NAME rules_test_shipped COMMAND ${JK_BIN} rules test --rules ${CMAKE_SOURCE_DIR}/rules)
add_test(NAME rules_shipped_coverage COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/shipped_rules_test.py ${JK_BIN})
add_test(NAME cli_store COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/store_test.py ${JK_BIN})
add_test(NAME cli_patrol COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/patrol_test.py ${JK_BIN})
add_test(NAME cli_extract COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/extract_test.py ${JK_BIN})
