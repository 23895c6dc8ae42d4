# The x collector end to end: junkai patrols a stand-in X API v2 recent-search
# server (tests/collect/x_server.py) on 127.0.0.1.
add_test(NAME x_e2e COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/x_e2e_test.py ${JK_BIN})
set_tests_properties(x_e2e PROPERTIES TIMEOUT 300)
