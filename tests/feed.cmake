# The feed collector end to end: real binary, real HTTP server on loopback.
add_test(NAME feed_e2e COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/feed_e2e_test.py ${JK_BIN})
