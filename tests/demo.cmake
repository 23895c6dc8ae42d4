# The README's first command runs demo/run.sh: keep it working.
add_test(NAME demo_patrol COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/demo_test.py ${JK_BIN})
