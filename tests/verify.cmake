# `junkai verify` end to end (tests/verify/verify_test.py): a patrol over
# feeds on 127.0.0.1, CLI writes and API decisions, then tampering with
# audit rows, the audit log's tail and evidence files.
add_test(NAME verify_e2e COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/verify/verify_test.py ${JK_BIN})
set_tests_properties(verify_e2e PROPERTIES TIMEOUT 300)
