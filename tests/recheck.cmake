# Removal checks end to end: the real binary re-fetching reported items from
# loopback sites (tests/collect/recheck_server.py) that delete them.
add_test(NAME recheck_e2e
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/recheck_e2e_test.py ${JK_BIN})
