/* A tracker on a real X server (the test script starts Xvfb and openbox): the event callback
 * counts slots and screenshots and calls the tracker back (stop and free from the callback
 * answer AC_REENTRANT); then the screenshots are listed, read, given a URL and deleted through
 * the API. */
#include <pthread.h>

#include "harness.h"

struct counts {
    pthread_mutex_t lock;
    int slots, taken, stored, started, stopped, finalised;
    ac_tracker *tracker; /* set once made */
    ac_result stop_in_callback, free_in_callback, context_in_callback;
    int called_back;
    /* While ac_tracker_free runs: the callback flips a switch on `stopped` and reads the
     * tracker on the `screenshots_switched` that causes (the tracker must still be whole). */
    int freeing, switched_during_free;
    ac_result read_during_free;
    char first_id[64];
};

static void on_event(void *user_data, const char *json) {
    struct counts *c = user_data;
    pthread_mutex_lock(&c->lock);
    if (strstr(json, "\"event\":\"slot_closed\"")) c->slots++;
    if (strstr(json, "\"event\":\"screenshot_stored\"")) c->stored++;
    if (strstr(json, "\"event\":\"started\"")) c->started++;
    if (strstr(json, "\"event\":\"stopped\"")) c->stopped++;
    int first = 0;
    if (strstr(json, "\"event\":\"screenshot_taken\"")) {
        first = c->taken++ == 0;
        if (first) json_string(json, "id", c->first_id, sizeof c->first_id);
    }
    ac_tracker *t = c->tracker;
    int freeing = c->freeing;
    pthread_mutex_unlock(&c->lock);
    if (freeing && t && strstr(json, "\"event\":\"stopped\"")) {
        ac_tracker_set_screenshots_enabled(t, false, NULL);
    }
    if (freeing && t && strstr(json, "\"event\":\"screenshots_switched\"")) {
        char *slots = NULL;
        c->read_during_free = ac_tracker_slots_json(t, "{\"role\": \"admin\"}", NULL, &slots);
        c->switched_during_free = slots != NULL && strstr(slots, "slot_start") != NULL;
        ac_string_free(slots);
    }
    if (first && t) {
        /* Calling the tracker from its own callback works, except stop and free. */
        c->context_in_callback = ac_tracker_set_context(t, "ana", "Apollo", NULL);
        c->stop_in_callback = ac_tracker_stop(t);
        c->free_in_callback = ac_tracker_free(t);
        c->called_back = 1;
    }
}

static void finalise(void *user_data) {
    struct counts *c = user_data;
    c->finalised++;
}

int main(void) {
    struct counts c;
    memset(&c, 0, sizeof c);
    pthread_mutex_init(&c.lock, NULL);
    char dir[256];
    temp_dir(dir, sizeof dir, "tracker");
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json(
        "{\"screenshotFrequency\": \"5s\", \"slot_seconds\": 60, \"idle_after\": \"10m\"}", &config));
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    o.data_dir = dir;
    o.config = config;
    o.on_event = on_event;
    o.event_user_data = &c;
    o.event_user_data_free = finalise;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    if (!t) DONE();
    pthread_mutex_lock(&c.lock);
    c.tracker = t;
    pthread_mutex_unlock(&c.lock);
    CHECK_OK(ac_tracker_set_context(t, "ana", NULL, NULL));
    CHECK_OK(ac_tracker_start(t));
    for (int i = 0; i < 3; i++) CHECK_OK(ac_tracker_record_input(t, AC_INPUT_KEY_PRESS));
    /* Wait for a screenshot (5 s schedule) and the callback's calls. */
    for (int i = 0; i < 150 && !c.called_back; i++) sleep_ms(100);
    sleep_ms(500);
    CHECK_OK(ac_tracker_stop(t));
    CHECK(c.called_back);
    CHECK(c.context_in_callback == AC_OK);
    CHECK(c.stop_in_callback == AC_REENTRANT);
    CHECK(c.free_in_callback == AC_REENTRANT);
    CHECK(c.started == 1 && c.stopped == 1);
    CHECK(c.taken >= 1);
    CHECK(c.slots >= 1);
    CHECK(c.stored >= 1);

    /* Read what was tracked, as the employee would. */
    const char *ana = "{\"role\": \"employee\", \"id\": \"ana\"}";
    char *json = NULL;
    CHECK_OK(ac_tracker_slots_json(t, ana, NULL, &json));
    CHECK(json && strstr(json, "\"keyboard_events\":3"));
    ac_string_free(json);
    CHECK_OK(ac_tracker_screenshots_json(t, ana, NULL, &json));
    CHECK(json && strstr(json, c.first_id));
    CHECK(json && count(json, "\"upload_state\":\"uploaded\"") >= 1);
    ac_string_free(json);
    CHECK_OK(ac_tracker_screenshots_json(t, "{\"role\": \"employee\", \"id\": \"bo\"}", NULL, &json));
    CHECK(json && strcmp(json, "[]") == 0);
    ac_string_free(json);
    uint8_t *jpeg = NULL;
    size_t len = 0;
    CHECK_OK(ac_tracker_screenshot_bytes(t, ana, c.first_id, true, &jpeg, &len));
    CHECK(len > 100 && jpeg[0] == 0xff && jpeg[1] == 0xd8);
    ac_bytes_free(jpeg, len);
    CHECK_RESULT(ac_tracker_screenshot_bytes(t, "{\"role\": \"employee\", \"id\": \"bo\"}", c.first_id,
                                             true, &jpeg, &len),
                 AC_NOT_FOUND);
    char *url = NULL;
    CHECK_OK(ac_tracker_screenshot_url(t, ana, c.first_id, false, 600, &url));
    CHECK(url && strstr(url, c.first_id));
    ac_string_free(url);

    /* Delete through the API: gone from every read, and from the storage. */
    char *outcome = NULL;
    CHECK_OK(ac_tracker_delete_screenshot(t, ana, c.first_id, &outcome));
    CHECK(outcome && strstr(outcome, "\"remote_queued\":[]"));
    ac_string_free(outcome);
    CHECK_OK(ac_tracker_screenshots_json(t, ana, NULL, &json));
    CHECK(json && !strstr(json, c.first_id));
    ac_string_free(json);
    CHECK_RESULT(ac_tracker_screenshot_bytes(t, ana, c.first_id, false, &jpeg, &len), AC_NOT_FOUND);
    char objects[600];
    snprintf(objects, sizeof objects, "%s/objects", dir);
    CHECK(!tree_has(objects, c.first_id));

    CHECK(c.finalised == 0);
    /* Restarted, then freed while running: its last events may call it back (under ASan: no
     * use after free). */
    CHECK_OK(ac_tracker_set_screenshots_enabled(t, true, NULL));
    CHECK_OK(ac_tracker_start(t));
    pthread_mutex_lock(&c.lock);
    c.freeing = 1;
    pthread_mutex_unlock(&c.lock);
    CHECK_OK(ac_tracker_free(t));
    CHECK_OK(c.read_during_free);
    CHECK(c.switched_during_free);
    CHECK(c.finalised == 1); /* after the last event, when the tracker is freed */
    pthread_mutex_destroy(&c.lock);
    DONE();
}
