# Network layer: tests/net/test_http.c (registered by the unit-test glob)
# runs jk_http against tests/net/http_fixture_server.py on 127.0.0.1. It
# waits on purpose (Retry-After: 1, a timeout, a rate limit), so it gets
# more time than the default unit test; it finishes in about 5 s.
if(TEST test_http)
  set_tests_properties(test_http PROPERTIES TIMEOUT 60 LABELS net)
endif()
