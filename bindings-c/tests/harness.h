/* A tiny assert harness for the C tests: CHECK(...) records a failure and goes on; DONE()
 * ends the test with exit status 1 if anything failed. */
#ifndef AC_TEST_HARNESS_H
#define AC_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dirent.h>
#include <sys/stat.h>

#ifdef _WIN32
/* The Windows build (mingw-w64, run under Wine by scripts/test-windows.sh): the few POSIX calls
 * the tests make, through their Windows equivalents. _putenv_s also sets the process
 * environment the library reads. */
#include <direct.h>
#include <windows.h>
static inline int setenv(const char *name, const char *value, int overwrite) {
    (void)overwrite;
    return _putenv_s(name, value);
}
static inline int unsetenv(const char *name) { return _putenv_s(name, ""); }
#endif

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
#ifdef _WIN32
    Sleep((DWORD)ms);
#else
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
#endif
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

/* `hay` from the first `needle` on (NULL when absent, or when `hay` is NULL). */
static inline const char *after(const char *hay, const char *needle) {
    return hay ? strstr(hay, needle) : NULL;
}

/* The number of the first `"field":N` in `json` (-1 when absent). */
static inline long long json_number(const char *json, const char *field) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", field);
    const char *p = after(json, pattern);
    return p ? strtoll(p + strlen(pattern), NULL, 10) : -1;
}

/* How many times `needle` occurs in `hay`. */
static inline int count(const char *hay, const char *needle) {
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle)) n++;
    return n;
}

/* Whether a file whose name starts with `prefix` is anywhere below `dir`. */
static inline int tree_has(const char *dir, const char *prefix) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            found = tree_has(path, prefix);
        else
            found = strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    }
    closedir(d);
    return found;
}

/* A fresh folder under /tmp (%TEMP% on Windows). */
static inline void temp_dir(char *out, size_t len, const char *name) {
#ifdef _WIN32
    /* Forward slashes (Windows takes them too): the tests put the path into JSON as it is. */
    const char *tmp = getenv("TEMP");
    snprintf(out, len, "%s/ac-c-%s-%lu-%lu", tmp ? tmp : ".", name,
             (unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount());
    for (char *c = out; *c; c++)
        if (*c == '\\') *c = '/';
    if (_mkdir(out) != 0) {
        fprintf(stderr, "cannot make %s\n", out);
        exit(2);
    }
#else
    snprintf(out, len, "/tmp/ac-c-%s-%ld", name, (long)time(NULL) ^ (long)clock());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", out, out);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make %s\n", out);
        exit(2);
    }
#endif
}

#endif
