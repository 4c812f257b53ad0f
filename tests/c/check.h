/* Assertion macros for the wxface C test programs.
 *
 * Every macro prints file:line and the failed expression to stderr and exits with status 1.
 * No test framework: each test program is a plain main() that exits 0 when every check held. */
#ifndef WXFACE_TESTS_CHECK_H
#define WXFACE_TESTS_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK_FAIL_AT(file, line, ...)                                                             \
    do {                                                                                           \
        fprintf(stderr, "%s:%d: check failed: ", (file), (line));                                \
        fprintf(stderr, __VA_ARGS__);                                                              \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

/* CHECK(expr): expr must be true. */
#define CHECK(expr)                                                                                \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s", #expr);                                        \
        }                                                                                          \
    } while (0)

/* CHECK_EQ_U(got, want): unsigned integers, both printed on failure. */
#define CHECK_EQ_U(got, want)                                                                      \
    do {                                                                                           \
        unsigned long check_got_ = (unsigned long)(got);                                           \
        unsigned long check_want_ = (unsigned long)(want);                                         \
        if (check_got_ != check_want_) {                                                           \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s == %s (got %lu, want %lu)", #got, #want,         \
                          check_got_, check_want_);                                                \
        }                                                                                          \
    } while (0)

/* CHECK_STR_EQ(got, want): NUL-terminated strings; NULL fails. */
#define CHECK_STR_EQ(got, want)                                                                    \
    do {                                                                                           \
        const char *check_got_ = (got);                                                            \
        const char *check_want_ = (want);                                                          \
        if (check_got_ == NULL || strcmp(check_got_, check_want_) != 0) {                          \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s == \"%s\" (got %s%s%s)", #got, check_want_,      \
                          check_got_ ? "\"" : "", check_got_ ? check_got_ : "NULL",                \
                          check_got_ ? "\"" : "");                                                 \
        }                                                                                          \
    } while (0)

/* CHECK_STR_CONTAINS(haystack, needle): haystack must be non-NULL and contain needle. */
#define CHECK_STR_CONTAINS(haystack, needle)                                                       \
    do {                                                                                           \
        const char *check_h_ = (haystack);                                                         \
        const char *check_n_ = (needle);                                                           \
        if (check_h_ == NULL || strstr(check_h_, check_n_) == NULL) {                              \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s contains \"%s\" (got %s%s%s)", #haystack,        \
                          check_n_, check_h_ ? "\"" : "", check_h_ ? check_h_ : "NULL",            \
                          check_h_ ? "\"" : "");                                                   \
        }                                                                                          \
    } while (0)

/* CHECK_STR_NONEMPTY(s): s must be non-NULL and not "". */
#define CHECK_STR_NONEMPTY(s)                                                                      \
    do {                                                                                           \
        const char *check_s_ = (s);                                                                \
        if (check_s_ == NULL || check_s_[0] == '\0') {                                             \
            CHECK_FAIL_AT(__FILE__, __LINE__, "%s is a non-empty string (got %s)", #s,             \
                          check_s_ ? "\"\"" : "NULL");                                             \
        }                                                                                          \
    } while (0)

#endif
