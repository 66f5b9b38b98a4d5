/* Websites from the browser, through the C API: ac_browser_host_install (bad arguments, then a
 * real install into a test browser profile), and a tracker made with browser_bridge = 1 fed
 * by the real host program (popen, the browser's framing on its stdin): the site is recorded,
 * its query string is not. */
#include <pthread.h>

#include "harness.h"

struct seen {
    pthread_mutex_t lock;
    int connected, disconnected, website;
};

static void on_event(void *user_data, const char *json) {
    struct seen *s = user_data;
    pthread_mutex_lock(&s->lock);
    if (strstr(json, "\"event\":\"browser_connected\"")) s->connected++;
    if (strstr(json, "\"event\":\"browser_disconnected\"")) s->disconnected++;
    if (strstr(json, "\"event\":\"website_changed\"") && strstr(json, "\"domain\":\"alpha.example\""))
        s->website++;
    pthread_mutex_unlock(&s->lock);
}

static int get(struct seen *s, int *field) {
    pthread_mutex_lock(&s->lock);
    int v = *field;
    pthread_mutex_unlock(&s->lock);
    return v;
}

static void write_frame(FILE *f, const char *json) {
    uint32_t n = (uint32_t)strlen(json); /* little-endian on the machines this runs on */
    fwrite(&n, 4, 1, f);
    fwrite(json, 1, n, f);
    fflush(f);
}

int main(void) {
    const char *host = getenv("AC_BROWSER_HOST");
    if (!host) {
        fprintf(stderr, "AC_BROWSER_HOST (the activity-core-browser-host program) is not set\n");
        return 1;
    }
    char dir[256], profile[256];
    temp_dir(dir, sizeof dir, "browser");
    temp_dir(profile, sizeof profile, "profile");

    /* The install helper. */
    char *manifest = NULL;
    CHECK_RESULT(ac_browser_host_install("netscape", profile, dir, host, &manifest), AC_INVALID_INPUT);
    CHECK_RESULT(ac_browser_host_install("chromium", profile, NULL, host, &manifest), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_browser_host_install("chromium", profile, dir, "/no/such/host", &manifest),
                 AC_NOT_FOUND);
    CHECK(manifest == NULL);
    CHECK_OK(ac_browser_host_install("chromium", profile, dir, host, &manifest));
    CHECK(manifest && strstr(manifest, "/NativeMessagingHosts/dev.activity_core.browser.json"));
    FILE *m = manifest ? fopen(manifest, "r") : NULL;
    CHECK(m != NULL);
    if (m) {
        char text[2048] = {0};
        size_t n = fread(text, 1, sizeof text - 1, m);
        fclose(m);
        CHECK(n > 0 && strstr(text, "chrome-extension://gfekllknfmmafdbkdeicnfiammpjpclh/"));
        CHECK(strstr(text, "\"type\": \"stdio\""));
    }
    ac_string_free(manifest);

    /* A tracker listening for the browser, with no built-in source. */
    struct seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    CHECK(o.browser_bridge == 0);
    o.data_dir = dir;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    o.browser_bridge = 1;
    o.on_event = on_event;
    o.event_user_data = &s;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    if (!t) DONE();
    CHECK_OK(ac_tracker_start(t));

    /* The host, as the browser runs it (through the launcher the install wrote). */
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s/browser-host' chrome-extension://test/ >/dev/null 2>&1", dir);
    FILE *h = popen(cmd, "w");
    CHECK(h != NULL);
    if (h) {
        write_frame(h, "{\"type\":\"tab\",\"url\":\"https://alpha.example/a?token=secret\","
                       "\"title\":\"Alpha\",\"browser\":\"Chromium\",\"incognito\":false}");
        for (int i = 0; i < 100 && !get(&s, &s.website); i++) sleep_ms(50);
        sleep_ms(1200);
        write_frame(h, "this is not a frame of the protocol at all");
        CHECK(pclose(h) == 0);
    }
    for (int i = 0; i < 100 && !get(&s, &s.disconnected); i++) sleep_ms(50);
    CHECK(get(&s, &s.connected) == 1);
    CHECK(get(&s, &s.website) == 1);
    CHECK(get(&s, &s.disconnected) == 1);
    CHECK_OK(ac_tracker_stop(t));
    char *json = NULL;
    CHECK_OK(ac_tracker_activities_json(t, "{\"role\": \"admin\"}", NULL, &json));
    CHECK(json && strstr(json, "\"domain\":\"alpha.example\""));
    CHECK(json && strstr(json, "\"url\":\"https://alpha.example/a\""));
    CHECK(json && !strstr(json, "secret"));
    ac_string_free(json);
    CHECK_OK(ac_tracker_free(t));
    pthread_mutex_destroy(&s.lock);
    DONE();
}
