# The review workbench in a browser: playwright-core (pinned by
# tests/ui/package-lock.json, installed with npm ci into the build tree so two
# builds never share a node_modules) drives Debian's chromium (no browser
# download) against `junkai serve` on a free loopback port.
find_program(NODE node)
find_program(NPM npm)
find_program(JK_CHROMIUM chromium PATHS /usr/bin NO_DEFAULT_PATH)
set(JK_UI_DIR ${CMAKE_BINARY_DIR}/ui-test)
configure_file(${CMAKE_SOURCE_DIR}/tests/ui/package.json ${JK_UI_DIR}/package.json COPYONLY)
configure_file(${CMAKE_SOURCE_DIR}/tests/ui/package-lock.json ${JK_UI_DIR}/package-lock.json COPYONLY)
configure_file(${CMAKE_SOURCE_DIR}/tests/ui/ui_test.mjs ${JK_UI_DIR}/ui_test.mjs COPYONLY)
if(NODE AND NPM AND JK_CHROMIUM)
  add_test(NAME ui_install
           COMMAND ${NPM} ci --prefix ${JK_UI_DIR} --no-audit --no-fund --loglevel=error)
  set_tests_properties(ui_install PROPERTIES FIXTURES_SETUP ui_browser TIMEOUT 300)
  add_test(NAME ui_browser
           COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/ui/ui_test.py ${JK_BIN} ${NODE}
                   ${JK_UI_DIR}/ui_test.mjs)
  set_tests_properties(ui_browser PROPERTIES FIXTURES_REQUIRED ui_browser TIMEOUT 180 LABELS ui)
else()
  # never skipped silently: the browser test is part of the suite
  add_test(NAME ui_browser
           COMMAND sh -c "echo 'ui_browser needs node, npm and chromium: apt-get install nodejs npm chromium (scripts/install-deps.sh)' >&2; exit 1")
endif()

# POST /api/tips (the intake desk's route) over real HTTP: scanned with the
# server's rules, unscanned without, audited without the contact.
add_test(NAME server_tips COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/server/tips_test.py ${JK_BIN})
set_tests_properties(server_tips PROPERTIES TIMEOUT 120 LABELS server)
