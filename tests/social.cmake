# Mastodon and Misskey collectors end to end: the real binary against a
# loopback instance of both APIs (tests/collect/social_server.py). It needs
# the HTTP client (src/net/http.c) that `junkai patrol` fetches through.
if(EXISTS ${CMAKE_SOURCE_DIR}/src/net/http.c)
  add_test(NAME social_e2e
           COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/collect/social_e2e_test.py ${JK_BIN})
endif()
