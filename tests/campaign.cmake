# Campaigns (issue 5): `junkai links` and `junkai campaigns` over an
# imported store (real binary, real files).
add_test(NAME cli_campaign COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/cli/campaign_test.py ${JK_BIN})
