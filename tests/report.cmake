# Report submission and the daily summary (tests/report/): approved reports
# built through `junkai serve`'s API, sent by `junkai report send-due` and
# the patrol daemon to a form server and an SMTP sink (aiosmtpd, Debian's
# python3-aiosmtpd run with /usr/bin/python3) on loopback; the summary's
# files and e-mail. The C unit tests (tests/report/test_*.c) come from the
# glob in tests/CMakeLists.txt.
add_test(NAME report_submit
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/report/submit_test.py ${JK_BIN})
set_tests_properties(report_submit PROPERTIES TIMEOUT 400 LABELS report)
add_test(NAME report_summary
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/report/summary_test.py ${JK_BIN})
set_tests_properties(report_summary PROPERTIES TIMEOUT 300 LABELS report)
