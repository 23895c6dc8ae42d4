# Page captures (tests/evidence/capture_test.py): the real binary drives
# Debian's headless Chromium against pages served on 127.0.0.1 — PNG, DOM
# and MHTML checked, the proxy's refusals, timeouts, `junkai verify`, and
# the server's capture worker after an item is filed into a case through
# the API. test_cdp and test_capture_proxy are the unit tests (cmocka) of
# the DevTools message reader and the filtering proxy.
add_test(NAME capture_e2e
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/evidence/capture_test.py ${JK_BIN})
set_tests_properties(capture_e2e PROPERTIES TIMEOUT 600 LABELS "capture;evidence;chromium")
foreach(t test_cdp test_capture_proxy)
  if(TEST ${t})
    set_tests_properties(${t} PROPERTIES LABELS "capture;evidence")
  endif()
endforeach()
