/* Idle decisions from C, Clockify's example on a manual clock (the same scenario as the Rust
 * test activity-core/tests/idle_decisions.rs and the Python one, with the same figures): 60
 * minutes of work, 30 away, a 15-minute threshold. Reassign moves exactly the 30 minutes to
 * project B; keep reports them as idle_kept_seconds; answering again is idempotent, another
 * answer AC_INVALID_STATE, an unknown id AC_NOT_FOUND. */
#include <pthread.h>

#include "harness.h"

#define T0 1796025600000LL /* 2026-11-30T08:00:00Z, a slot boundary */
#define MIN 60000LL

struct seen {
    pthread_mutex_t lock;
    unsigned long long id;
    int detected, returned, resolved;
    char since[40], until[40];
};

static void on_event(void *user_data, const char *json) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (strstr(json, "\"event\":\"idle_detected\"")) {
        s->detected++;
        s->id = (unsigned long long)json_number(json, "id");
        json_string(json, "since", s->since, sizeof s->since);
    }
    if (strstr(json, "\"event\":\"idle_returned\"")) {
        s->returned++;
        json_string(json, "until", s->until, sizeof s->until);
    }
    if (strstr(json, "\"event\":\"idle_resolved\"")) s->resolved++;
    pthread_mutex_unlock(&s->lock);
}

static int returned(struct seen *s) {
    pthread_mutex_lock(&s->lock);
    int r = s->returned;
    pthread_mutex_unlock(&s->lock);
    return r;
}

/* Moves the clock to T0 + `to` in 20-s steps, each seen by the tracker's loop (two round trips
 * per step), with input on every step while working. */
static void advance(ac_tracker *t, ac_manual_clock *clock, long long *now, long long to, int working) {
    while (*now < to) {
        *now = *now + 20000 < to ? *now + 20000 : to;
        ac_manual_clock_set(clock, T0 + *now);
        if (working) ac_tracker_record_input(t, AC_INPUT_KEY_PRESS);
        for (int i = 0; i < 2; i++) ac_tracker_record_window(t, "Editor", "main.rs");
    }
}

/* Runs the example and answers it with `answer`; returns the day report as JSON (caller frees). */
static char *scenario(const char *name, const char *answer, const char *other,
                      unsigned long long *id_out) {
    struct seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    char dir[256];
    temp_dir(dir, sizeof dir, name);
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json("{\"screenshot_frequency\": 10, \"idle_after\": \"5m\", "
                                 "\"heartbeat_timeout\": \"25s\", "
                                 "\"idle_policy\": {\"threshold\": \"15m\"}}",
                                 &config));
    ac_manual_clock *clock = NULL;
    CHECK_OK(ac_manual_clock_new(T0, &clock));
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    o.data_dir = dir;
    o.config = config;
    o.clock = clock;
    o.missing_sources = AC_MISSING_SOURCES_RUN_AVAILABLE;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    o.on_event = on_event;
    o.event_user_data = &s;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    if (!t) return NULL;
    CHECK_OK(ac_tracker_set_context(t, "ana", "A", NULL));
    CHECK_OK(ac_tracker_start(t));
    CHECK_OK(ac_tracker_record_window(t, "Editor", "main.rs"));
    long long now = 0;
    advance(t, clock, &now, 60 * MIN, 1);
    advance(t, clock, &now, 90 * MIN, 0);
    CHECK_OK(ac_tracker_record_input(t, AC_INPUT_KEY_PRESS));
    for (int i = 0; i < 2; i++) CHECK_OK(ac_tracker_record_window(t, "Editor", "main.rs"));
    for (int i = 0; i < 100 && !returned(&s); i++) sleep_ms(50);
    pthread_mutex_lock(&s.lock);
    CHECK(s.detected == 1 && s.returned == 1);
    CHECK(strcmp(s.since, "2026-11-30T09:00:00.000Z") == 0);
    CHECK(strcmp(s.until, "2026-11-30T09:30:00.000Z") == 0);
    unsigned long long id = s.id;
    pthread_mutex_unlock(&s.lock);
    CHECK(id == (unsigned long long)(T0 + 60 * MIN));
    char *resolution = NULL;
    CHECK_OK(ac_tracker_resolve_idle(t, id, answer, &resolution));
    CHECK(resolution && strstr(resolution, "\"decided_by\":\"embedder\""));
    ac_string_free(resolution);
    /* The same answer again is fine (no output wanted); another one and an unknown id are not. */
    CHECK_OK(ac_tracker_resolve_idle(t, id, answer, NULL));
    CHECK_RESULT(ac_tracker_resolve_idle(t, id, other, NULL), AC_INVALID_STATE);
    CHECK_MESSAGE("already decided");
    CHECK_RESULT(ac_tracker_resolve_idle(t, id + 1, answer, NULL), AC_NOT_FOUND);
    CHECK_RESULT(ac_tracker_resolve_idle(t, id, "{\"answer\": \"later\"}", NULL), AC_INVALID_INPUT);
    CHECK_MESSAGE("unknown variant");
    CHECK_RESULT(ac_tracker_set_idle_policy(t, "{\"threshold\": 0}"), AC_INVALID_CONFIG);
    CHECK_MESSAGE("idle_policy.threshold");
    /* A URL sample that is not a URL says so (it used to answer AC_OK). */
    CHECK_RESULT(ac_tracker_record_url(t, "Firefox", "Docs", "not a url"), AC_INVALID_INPUT);
    CHECK_MESSAGE("is not an absolute URL");
    CHECK_OK(ac_tracker_stop(t));
    char *report = NULL;
    CHECK_OK(ac_tracker_report(t, ADMIN,
                               "{\"period\": {\"first\": \"2026-11-30\", \"last\": \"2026-11-30\", "
                               "\"time_zone\": \"UTC\"}}",
                               AC_REPORT_JSON_COMPACT, &report));
    char *periods = NULL;
    CHECK_OK(ac_tracker_idle_periods_json(t, ADMIN, NULL, &periods));
    CHECK(periods && count(periods, "\"decided_by\":\"embedder\"") == 1);
    ac_string_free(periods);
    CHECK_OK(ac_tracker_free(t));
    ac_manual_clock_free(clock);
    pthread_mutex_destroy(&s.lock);
    *id_out = id;
    return report;
}

int main(void) {
    unsigned long long id = 0;
    char *r = scenario("idle-reassign", "{\"answer\": \"reassign\", \"project\": \"B\"}",
                       "{\"answer\": \"keep\"}", &id);
    CHECK(json_number(after(after(r, "\"projects\""), "\"project\":\"A\""), "tracked_seconds") == 3600);
    CHECK(json_number(after(after(r, "\"projects\""), "\"project\":\"B\""), "tracked_seconds") == 1800);
    CHECK(json_number(after(after(r, "\"totals\""), "{"), "tracked_seconds") == 5400);
    CHECK(json_number(after(after(r, "\"totals\""), "{"), "idle_kept_seconds") == 0);
    ac_string_free(r);

    r = scenario("idle-keep", "{\"answer\": \"keep\"}", "{\"answer\": \"discard\"}", &id);
    CHECK(json_number(after(after(r, "\"totals\""), "{"), "tracked_seconds") == 5400);
    CHECK(json_number(after(after(r, "\"totals\""), "{"), "idle_kept_seconds") == 1800);
    ac_string_free(r);

    r = scenario("idle-discard", "{\"answer\": \"discard_and_continue\"}",
                 "{\"answer\": \"keep\"}", &id);
    CHECK(json_number(after(after(r, "\"totals\""), "{"), "tracked_seconds") == 3600);
    CHECK(json_number(after(after(r, "\"top_applications\""), "\"name\":\"Editor\""), "duration_millis") == 3600000);
    ac_string_free(r);
    DONE();
}
