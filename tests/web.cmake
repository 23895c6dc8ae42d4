# The web collector end to end: junkai patrols a Shift_JIS board served by
# tests/collect/web_server.py on 127.0.0.1 (robots.txt, ETag/304, new posts,
# --allow-private).
add_test(NAME web_e2e COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/web_e2e_test.py ${JK_BIN})
