# Evidence (WARC) end to end: junkai patrols feeds on 127.0.0.1 and every
# WARC file it leaves is read by warcio.js (Webrecorder), an independent
# reader installed from npm with the pinned tests/warc/package-lock.json
# into the build tree (so two builds never share a node_modules).
find_program(NODE node)
find_program(NPM npm)
set(JK_WARCIO_DIR ${CMAKE_BINARY_DIR}/warcio)
configure_file(${CMAKE_SOURCE_DIR}/tests/warc/package.json ${JK_WARCIO_DIR}/package.json COPYONLY)
configure_file(${CMAKE_SOURCE_DIR}/tests/warc/package-lock.json ${JK_WARCIO_DIR}/package-lock.json COPYONLY)
configure_file(${CMAKE_SOURCE_DIR}/tests/warc/read_warc.mjs ${JK_WARCIO_DIR}/read_warc.mjs COPYONLY)
if(NODE AND NPM)
  add_test(NAME warcio_install
           COMMAND ${NPM} ci --prefix ${JK_WARCIO_DIR} --no-audit --no-fund --loglevel=error)
  set_tests_properties(warcio_install PROPERTIES FIXTURES_SETUP warcio)
  add_test(NAME evidence_e2e
           COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/warc/evidence_e2e_test.py ${JK_BIN}
                   ${NODE} ${JK_WARCIO_DIR}/read_warc.mjs)
  set_tests_properties(evidence_e2e PROPERTIES FIXTURES_REQUIRED warcio)
else()
  # never skipped silently: the independent reader is part of the test
  add_test(NAME evidence_e2e
           COMMAND sh -c "echo 'evidence_e2e needs node and npm: apt-get install nodejs npm (scripts/install-deps.sh)' >&2; exit 1")
endif()
