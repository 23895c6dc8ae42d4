# The normalizer against an independent implementation: ICU's transliterators
# (uconv, from Debian's icu-devtools) for width, kana and case folding.
find_program(UCONV uconv)
if(NOT UCONV)
  message(FATAL_ERROR "uconv not found: apt-get install icu-devtools (or run scripts/install-deps.sh)")
endif()
add_test(NAME normalize_icu_oracle
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/oracle/icu_oracle.py ${JK_BIN} 20000)

