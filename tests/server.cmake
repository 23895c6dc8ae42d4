# The review workbench's server: its API over real HTTP against `junkai
# serve` on a free loopback port (tests/server/api_test.py), and the
# OpenAPI document checked against the server's route table
# (tests/server/openapi_test.py). The unit tests (tests/server/test_*.c)
# come from the glob in tests/CMakeLists.txt.
add_test(NAME server_api COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/api_test.py ${JK_BIN})
set_tests_properties(server_api PROPERTIES TIMEOUT 300 LABELS server)
add_test(NAME server_openapi
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/openapi_test.py ${JK_BIN})
set_tests_properties(server_openapi PROPERTIES TIMEOUT 120 LABELS server)
add_test(NAME server_cases
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/cases_test.py ${JK_BIN})
set_tests_properties(server_cases PROPERTIES TIMEOUT 300 LABELS server)
# The workbench's outcome statistics, "run now" (a child patrol of one
# source against a slow loopback feed), the rule packs and the rule
# try-out (against `junkai scan`) over real HTTP.
add_test(NAME server_workbench
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/workbench_test.py ${JK_BIN})
set_tests_properties(server_workbench PROPERTIES TIMEOUT 180 LABELS server)
# The workbench's submission routes: GET /api/destinations (no secrets) and
# POST /api/reports/{id}/resolve against real submissions sent by
# `junkai report send-due` to a loopback form server.
add_test(NAME server_submit_api
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/submit_api_test.py ${JK_BIN})
set_tests_properties(server_submit_api PROPERTIES TIMEOUT 180 LABELS server)
