# Intel lists end to end (real binary, real store); the STIX export is
# validated against the OASIS schemas with Debian's python3-jsonschema.
add_test(NAME intel_e2e COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/intel/intel_test.py ${JK_BIN}
         ${CMAKE_SOURCE_DIR}/../shared/fixtures)
