/* track: tracks this desktop for N seconds with the embedded default storage (files and SQLite
 * under the data folder) and prints every event.
 *
 *   cc track.c $(pkg-config --cflags --libs activity_core) -o track
 *   ./track [SECONDS] [DATA_DIR]        (defaults: 30, ./activity-data-c)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <activity_core.h>

static void on_event(void *user_data, const char *event_json) {
    (void)user_data;
    printf("event %s\n", event_json);
    fflush(stdout);
}

static int fail(const char *what, ac_result r) {
    char message[2048];
    size_t written = 0;
    if (ac_last_error_message(message, sizeof message, &written) != AC_OK) message[0] = 0;
    fprintf(stderr, "track: %s: %s: %s\n", what, ac_result_name(r), message);
    return 1;
}

int main(int argc, char **argv) {
    long seconds = argc > 1 ? strtol(argv[1], NULL, 10) : 30;
    const char *dir = argc > 2 ? argv[2] : "./activity-data-c";
    printf("activity-core %s, tracking for %ld s into %s\n", ac_version(), seconds, dir);

    char *caps = NULL;
    if (ac_capabilities_json(&caps) == AC_OK) {
        printf("capabilities %s\n", caps);
        ac_string_free(caps);
    }
    ac_config *config = NULL;
    ac_result r = ac_config_from_json(
        "{\"screenshotFrequency\": \"10s\", \"slot_seconds\": 60, \"idle_after\": \"5m\"}", &config);
    if (r != AC_OK) return fail("configuration", r);
    ac_tracker_options options;
    ac_tracker_options_init(&options);
    options.data_dir = dir;
    options.config = config;
    options.on_event = on_event;
    ac_tracker *tracker = NULL;
    r = ac_tracker_new(&options, &tracker);
    ac_config_free(config);
    if (r != AC_OK) return fail("ac_tracker_new", r);
    if ((r = ac_tracker_start(tracker)) != AC_OK) return fail("start", r);
    struct timespec t = {seconds, 0};
    nanosleep(&t, NULL);
    if ((r = ac_tracker_stop(tracker)) != AC_OK) return fail("stop", r);

    char *slots = NULL, *shots = NULL;
    if (ac_tracker_slots_json(tracker, "{\"role\": \"admin\"}", NULL, &slots) == AC_OK) {
        printf("slots %s\n", slots);
        ac_string_free(slots);
    }
    if (ac_tracker_screenshots_json(tracker, "{\"role\": \"admin\"}", NULL, &shots) == AC_OK) {
        printf("screenshots %s\n", shots);
        ac_string_free(shots);
    }
    return ac_tracker_free(tracker) == AC_OK ? 0 : 1;
}
