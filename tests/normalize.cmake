# The normalizer against an independent implementation: ICU's transliterators
# (uconv, from Debian's icu-devtools) for width, kana and case folding.
find_program(UCONV uconv)
if(NOT UCONV)
  message(FATAL_ERROR "uconv not found: apt-get install icu-devtools (or run scripts/install-deps.sh)")
endif()
add_test(NAME normalize_icu_oracle
         COMMAND ${PYTHON3} ${CMAKE_SOURCE_DIR}/tests/oracle/icu_oracle.py ${JK_BIN} 20000)

# A timing tool, not a test (no benchmark is pass/fail): MB/s of the
# normalizer on a file of posts, one per line, text-only and with the map.
#   normalize_speed FILE [ROUNDS]
add_executable(normalize_speed ${CMAKE_SOURCE_DIR}/tests/oracle/normalize_speed.c)
target_link_libraries(normalize_speed PRIVATE junkai_core)
