/* The C side of the FFI benchmark (scripts/bench-c.sh runs it next to the Rust reference,
 * benches/ffi_reference.rs, and prints the ratios): ac_tracker_record_input in a loop, and
 * ac_media_process on a 1920x1080 screenshot-like frame. Prints `name value` lines. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <activity_core.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The same frame as the Rust reference: a light page with dark text-like strokes. */
static uint8_t *frame(uint32_t w, uint32_t h) {
    uint8_t *px = malloc((size_t)w * h * 4);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + ((size_t)y * w + x) * 4;
            int ink = (y % 24) < 14 && (x * 7 + y * 3) % 11 < 4 && (x / 90) % 5 != 4;
            uint8_t v = ink ? 30 : (uint8_t)(235 + (x + y) % 16);
            p[0] = v;
            p[1] = v;
            p[2] = (uint8_t)(v - (ink ? 0 : 10));
            p[3] = 255;
        }
    }
    return px;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "/tmp/ac-ffi-bench";
    ac_tracker_options o;
    ac_tracker_options_init(&o);
    o.data_dir = dir;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    ac_tracker *t = NULL;
    if (ac_tracker_new(&o, &t) != AC_OK || ac_tracker_start(t) != AC_OK) {
        fprintf(stderr, "cannot start a tracker\n");
        return 1;
    }
    const long n = 4000000;
    double best = 1e9;
    for (int round = 0; round < 7; round++) {
        double t0 = now();
        for (long i = 0; i < n; i++) ac_tracker_record_input(t, (uint32_t)(i & 1));
        double ns = (now() - t0) * 1e9 / (double)n;
        if (ns < best) best = ns;
    }
    printf("record_input_ns %.3f\n", best);
    ac_tracker_stop(t);
    ac_tracker_free(t);

    const uint32_t w = 1920, h = 1080;
    uint8_t *px = frame(w, h);
    ac_media_options mo;
    ac_media_options_default(&mo);
    mo.blur = 10.0f;
    double times[15];
    for (int i = 0; i < 15; i++) {
        ac_media_result *r = NULL;
        double t0 = now();
        if (ac_media_process(px, (size_t)w * h * 4, w, h, 0, AC_PIXEL_RGBA, &mo, &r) != AC_OK) {
            fprintf(stderr, "media failed\n");
            return 1;
        }
        times[i] = (now() - t0) * 1e3;
        ac_media_result_free(r);
    }
    qsort(times, 15, sizeof *times, cmp);
    printf("media_ms %.3f\n", times[7]);
    free(px);
    return 0;
}
