# Mastodon and Misskey collectors end to end: the real binary against a
# loopback instance of both APIs (tests/collect/social_server.py).
add_test(NAME social_e2e
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/social_e2e_test.py ${JK_BIN})
