/* Retention, export, erasure and consent from C: screenshots of a real X display (the test
 * script's Xvfb) taken on a manual clock 400 days ago and yesterday; an export of ana's data
 * with its manifest; a purge with Time Doctor's preset that leaves only yesterday's; an
 * erasure; consent required before tracking. */
#include <pthread.h>

#include "harness.h"

#define NOW 1796025600000LL /* 2026-11-30T08:00:00Z */
#define DAY 86400000LL

struct seen {
    pthread_mutex_t lock;
    int taken;
};

static void on_event(void *user_data, const char *json) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (strstr(json, "\"event\":\"screenshot_taken\"")) s->taken++;
    pthread_mutex_unlock(&s->lock);
}

static int taken(struct seen *s) {
    pthread_mutex_lock(&s->lock);
    int n = s->taken;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* Tracks ana from `from` until `shots` more screenshots were taken (5-s schedule): one 5-s step
 * of the manual clock at a time, each waited for (up to 20 s: under valgrind a capture is slow). */
static void track(ac_tracker *t, ac_manual_clock *clock, struct seen *s, long long from, int shots) {
    CHECK_OK(ac_manual_clock_set(clock, from));
    CHECK_OK(ac_tracker_start(t));
    int want = taken(s) + shots;
    for (int step = 1; step <= shots * 4 && taken(s) < want; step++) {
        int before = taken(s);
        ac_manual_clock_set(clock, from + step * 5000LL);
        ac_tracker_record_window(t, "Editor", "main.rs");
        for (int i = 0; i < 400 && taken(s) == before; i++) sleep_ms(50);
    }
    CHECK(taken(s) >= want);
    CHECK_OK(ac_tracker_stop(t));
}

int main(void) {
    struct seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    char dir[256];
    temp_dir(dir, sizeof dir, "retention");
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json("{\"screenshot_frequency\": \"5s\"}", &config));
    ac_manual_clock *clock = NULL;
    CHECK_OK(ac_manual_clock_new(NOW, &clock));
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    o.data_dir = dir;
    o.config = config;
    o.clock = clock;
    o.missing_sources = AC_MISSING_SOURCES_RUN_AVAILABLE;
    o.disabled_sources = AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    o.on_event = on_event;
    o.event_user_data = &s;
    o.require_consent = 1;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    if (!t) DONE();
    CHECK_OK(ac_tracker_set_context(t, "ana", "P", NULL));

    /* Consent first. */
    CHECK_RESULT(ac_tracker_start(t), AC_INVALID_STATE);
    CHECK_MESSAGE("no consent recorded for employee ana");
    CHECK_RESULT(ac_tracker_record_consent(t, "{\"employee\": \"ana\", \"screenshots\": true}"),
                 AC_INVALID_INPUT);
    CHECK_MESSAGE("missing field");
    CHECK_OK(ac_tracker_record_consent(t, "{\"employee\": \"ana\", \"screenshots\": true, "
                                          "\"applications\": true, \"urls\": true, \"input\": true, "
                                          "\"policy_version\": \"2026-11\", "
                                          "\"accepted_at\": \"2026-11-01T09:00:00Z\"}"));
    char *json = NULL;
    CHECK_OK(ac_tracker_consent_json(t, "ana", &json));
    CHECK(json && strstr(json, "\"policy_version\":\"2026-11\""));
    ac_string_free(json);
    CHECK_OK(ac_tracker_consent_json(t, "bo", &json));
    CHECK(json && strcmp(json, "null") == 0);
    ac_string_free(json);

    track(t, clock, &s, NOW - 400 * DAY, 2);
    track(t, clock, &s, NOW - DAY, 1);
    CHECK_OK(ac_tracker_sync(t, NULL));

    /* The export, as ana. */
    char out_dir[300];
    snprintf(out_dir, sizeof out_dir, "%s-export", dir);
    const char *ana = "{\"role\": \"employee\", \"id\": \"ana\"}";
    CHECK_OK(ac_tracker_export_subject(t, ana, "ana", out_dir, &json));
    CHECK(json_number(json, "screenshots") == 3);
    CHECK(json_number(json, "consents") == 1);
    CHECK(json && count(json, "\"sha256\":") == 5 + 6);
    ac_string_free(json);
    char manifest[400];
    snprintf(manifest, sizeof manifest, "%s/manifest.json", out_dir);
    FILE *f = fopen(manifest, "r");
    CHECK(f != NULL);
    if (f) fclose(f);
    CHECK_RESULT(ac_tracker_export_subject(t, ana, "bo", out_dir, NULL), AC_INVALID_INPUT);

    /* The purge: a bad policy is named; Time Doctor's removes the two old screenshots. */
    CHECK_RESULT(ac_tracker_purge(t, NULL, NOW, NULL), AC_INVALID_STATE);
    CHECK_RESULT(ac_tracker_set_retention_policy(t, "{\"slots\": \"1h\"}"), AC_INVALID_CONFIG);
    CHECK_MESSAGE("retention.slots");
    CHECK_OK(ac_tracker_set_retention_policy(t, "{\"screenshots\": \"365d\", \"urls\": \"60d\"}"));
    CHECK_OK(ac_tracker_purge(t, NULL, NOW, &json));
    /* (after the cutoffs object, which names the same fields with times) */
    CHECK(json_number(after(json, "},"), "screenshots") == 2);
    CHECK(json_number(json, "remote_deletes_queued") == 4);
    ac_string_free(json);
    CHECK_OK(ac_tracker_purge(t, "{\"screenshots\": \"365d\"}", NOW, &json));
    CHECK(json_number(after(json, "},"), "screenshots") == 0);
    ac_string_free(json);
    CHECK_OK(ac_tracker_purge_log_json(t, &json));
    CHECK(json && count(json, "\"cutoffs\"") == 2);
    ac_string_free(json);
    CHECK_OK(ac_tracker_screenshots_json(t, ADMIN, NULL, &json));
    CHECK(json && count(json, "\"id\"") == 1);
    ac_string_free(json);

    /* The erasure. */
    CHECK_OK(ac_tracker_erase_subject(t, ADMIN, "ana", &json));
    CHECK(json_number(json, "screenshots") == 1);
    CHECK(json_number(json, "consents") == 1);
    CHECK(json_number(json, "slots") >= 1);
    ac_string_free(json);
    CHECK_OK(ac_tracker_screenshots_json(t, ADMIN, NULL, &json));
    CHECK(json && strcmp(json, "[]") == 0);
    ac_string_free(json);
    CHECK_OK(ac_tracker_slots_json(t, ADMIN, NULL, &json));
    CHECK(json && strcmp(json, "[]") == 0);
    ac_string_free(json);
    char objects[300];
    snprintf(objects, sizeof objects, "%s/objects", dir);
    CHECK(!tree_has(objects, ""));

    CHECK_OK(ac_tracker_free(t));
    ac_manual_clock_free(clock);
    pthread_mutex_destroy(&s.lock);
    DONE();
}
