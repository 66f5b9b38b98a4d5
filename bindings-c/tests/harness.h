/* A tiny assert harness for the C tests: CHECK(...) records a failure and goes on; DONE()
 * ends the test with exit status 1 if anything failed. */
#ifndef AC_TEST_HARNESS_H
#define AC_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "activity_core.h"

static int failures = 0;

/* The product itself as the viewer: every read names its viewer (NULL is refused). */
#define ADMIN "{\"role\": \"admin\"}"

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
            failures++;                                                               \
        }                                                                             \
    } while (0)

static inline const char *last_error(void) {
    static char buf[4096];
    size_t written = 0;
    if (ac_last_error_message(buf, sizeof buf, &written) != AC_OK) {
        return "(message too long)";
    }
    return buf;
}

#define CHECK_RESULT(expr, want)                                                      \
    do {                                                                              \
        ac_result r_ = (expr);                                                        \
        if (r_ != (ac_result)(want)) {                                                \
            fprintf(stderr, "%s:%d: %s gave %s (%s), want %s\n", __FILE__, __LINE__,  \
                    #expr, ac_result_name(r_), last_error(), ac_result_name(want));   \
            failures++;                                                               \
        }                                                                             \
    } while (0)

#define CHECK_OK(expr) CHECK_RESULT(expr, AC_OK)

/* The last error message contains `needle`. */
#define CHECK_MESSAGE(needle)                                                         \
    do {                                                                              \
        if (!strstr(last_error(), (needle))) {                                        \
            fprintf(stderr, "%s:%d: last error %s does not mention %s\n", __FILE__,   \
                    __LINE__, last_error(), (needle));                                \
            failures++;                                                               \
        }                                                                             \
    } while (0)

#define DONE()                                                                        \
    do {                                                                              \
        if (failures) {                                                               \
            fprintf(stderr, "%s: %d failure(s)\n", __FILE__, failures);              \
            return 1;                                                                 \
        }                                                                             \
        printf("%s: ok\n", __FILE__);                                                 \
        return 0;                                                                     \
    } while (0)

static inline void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* Copies the value of the first `"field":"…"` in `json` after `from` into `out`. */
static inline int json_string(const char *json, const char *field, char *out, size_t len) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", field);
    const char *p = strstr(json, pattern);
    if (!p) return 0;
    p += strlen(pattern);
    size_t n = 0;
    while (p[n] && p[n] != '"' && n + 1 < len) {
        out[n] = p[n];
        n++;
    }
    out[n] = 0;
    return 1;
}

/* How many times `needle` occurs in `hay`. */
static inline int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* A fresh folder under /tmp. */
static inline void temp_dir(char *out, size_t len, const char *name) {
    snprintf(out, len, "/tmp/ac-c-%s-%ld", name, (long)time(NULL) ^ (long)clock());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make %s\n", out);
        exit(2);
    }
}

#endif
