/* The org dataset from C: screenshots of a real X display (the test script's Xvfb) and window
 * samples on a manual clock, exported as Parquet files to a folder (each file whole: Parquet's
 * magic at both ends), an export with nothing changed that writes nothing, a screenshot
 * deleted on the device that rewrites only its day's screenshot file, bad settings named; and
 * an organisation report planned (the five queries, the viewer's rights applied) and
 * assembled from an engine's answers. */
#include <pthread.h>
#include <sys/stat.h>

#include "harness.h"

#define NOW 1796025600000LL /* 2026-11-30T08:00:00Z */

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

/* A whole Parquet file: "PAR1" at its start and its end. */
static int parquet_file(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char head[4] = {0}, tail[4] = {0};
    int ok = fread(head, 1, 4, f) == 4 && fseek(f, -4, SEEK_END) == 0 && fread(tail, 1, 4, f) == 4;
    fclose(f);
    return ok && memcmp(head, "PAR1", 4) == 0 && memcmp(tail, "PAR1", 4) == 0;
}

int main(void) {
    struct seen s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    char dir[256];
    temp_dir(dir, sizeof dir, "export");
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
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    if (!t) DONE();
    CHECK_OK(ac_tracker_set_context(t, "ana", "P", NULL));

    /* Track until two screenshots were taken, with a window sample every 5 s. */
    CHECK_OK(ac_tracker_start(t));
    for (int step = 1; step <= 12 && taken(&s) < 2; step++) {
        int before = taken(&s);
        ac_manual_clock_set(clock, NOW + step * 5000LL);
        ac_tracker_record_window(t, step % 2 ? "Editor" : "Terminal", "main.rs");
        for (int i = 0; i < 400 && taken(&s) == before; i++) sleep_ms(50);
    }
    CHECK(taken(&s) >= 2);
    CHECK_OK(ac_tracker_stop(t));

    /* The export: three files, one per table, each whole. */
    char lake[300], dataset[600], path[700];
    snprintf(lake, sizeof lake, "%s-lake", dir);
    snprintf(dataset, sizeof dataset, "{\"org\": \"acme\", \"folder\": \"%s\", \"device\": \"c-dev\"}", lake);
    char *json = NULL;
    CHECK_OK(ac_tracker_export(t, dataset, AC_UNBOUNDED, AC_UNBOUNDED, &json));
    CHECK(json && count(json, "\"table\":") == 3);
    CHECK(json && strstr(json, "\"date\":\"2026-11-30\""));
    ac_string_free(json);
    const char *tables[] = {"slots", "activities", "screenshots"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s/org=acme/date=2026-11-30/part-c-dev.parquet", lake, tables[i]);
        CHECK(parquet_file(path));
    }
    /* Nothing changed: nothing written. */
    CHECK_OK(ac_tracker_export(t, dataset, AC_UNBOUNDED, AC_UNBOUNDED, &json));
    CHECK(json && strstr(json, "\"written\":[]") && json_number(json, "unchanged") == 3);
    ac_string_free(json);
    /* A screenshot deleted on the device: only its day's screenshot file is written again. */
    CHECK_OK(ac_tracker_screenshots_json(t, ADMIN, NULL, &json));
    char id[64] = {0};
    const char *p = json ? strstr(json, "\"id\":\"") : NULL;
    if (p) memcpy(id, p + 6, 32);
    ac_string_free(json);
    CHECK(strlen(id) == 32);
    CHECK_OK(ac_tracker_delete_screenshot(t, ADMIN, id, NULL));
    CHECK_OK(ac_tracker_export(t, dataset, AC_UNBOUNDED, NOW + 86400000LL, &json));
    CHECK(json && count(json, "\"table\":") == 1 && strstr(json, "\"table\":\"screenshots\""));
    ac_string_free(json);
    /* Bad settings are named. */
    snprintf(dataset, sizeof dataset, "{\"org\": \"a/b\", \"folder\": \"%s\"}", lake);
    CHECK_RESULT(ac_tracker_export(t, dataset, AC_UNBOUNDED, AC_UNBOUNDED, NULL), AC_INVALID_CONFIG);
    CHECK_MESSAGE("dataset.org");
    CHECK_RESULT(ac_tracker_export(t, "{\"org\": \"acme\"}", AC_UNBOUNDED, AC_UNBOUNDED, NULL),
                 AC_INVALID_CONFIG);
    CHECK_MESSAGE("exactly one of `folder` and `storage`");
    CHECK_RESULT(ac_tracker_export(t, NULL, AC_UNBOUNDED, AC_UNBOUNDED, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_set_dataset(t, "{\"org\": \"acme\", \"folder\": \"/x\", \"every_seconds\": 5}"),
                 AC_INVALID_CONFIG);
    CHECK_MESSAGE("dataset.every");
    CHECK_OK(ac_tracker_set_dataset(t, NULL));

    /* An organisation report: the queries for an employee viewer read only her rows. */
    const char *request = "{\"period\": {\"first\": \"2026-11-30\", \"last\": \"2026-11-30\", "
                          "\"time_zone\": \"UTC\"}}";
    const char *ana = "{\"role\": \"employee\", \"id\": \"ana\"}";
    const char *sources = "{\"slots\": \"slots\", \"activities\": \"activities\", "
                          "\"screenshots\": \"screenshots\"}";
    CHECK_OK(ac_org_queries(request, ana, "duckdb", sources, &json));
    CHECK(json && count(json, "\"name\":") == 5 && strstr(json, "\"name\":\"timeline\""));
    CHECK(json && strstr(json, "employee IN ('ana')") && strstr(json, "epoch_ms(slot_start)"));
    /* The plan names the date= folders to list: the day, and the day before for screenshots. */
    CHECK(json && strstr(json, "\"partitions\":{\"first\":\"2026-11-29\",\"last\":\"2026-11-30\"}"));
    ac_string_free(json);
    CHECK_RESULT(ac_org_queries(request, ana, "oracle", sources, &json), AC_INVALID_INPUT);
    CHECK_MESSAGE("engine must be");
    CHECK_RESULT(ac_org_queries(request, NULL, "duckdb", sources, &json), AC_INVALID_INPUT);
    CHECK_MESSAGE("a viewer is required");
    /* The engine's answers: one slot of 600 s with 600 events of 1,200 expected (50 %), 300
     * active seconds (50 %), two screenshots. */
    const char *rows =
        "{\"timeline\": [[\"ana\", 1796025600000, 600, 600, 600, 300, 2, \"P\", \"Editor\", 1200]],"
        " \"projects\": [[\"P\", 1, 600, 30000, 1, 600, 30000, 400, 200]],"
        " \"employees\": [[\"ana\", 1, 600, 30000, 1, 600, 30000, 400, 200]],"
        " \"applications\": [[\"Editor\", 400000], [\"Terminal\", 200000]], \"websites\": []}";
    CHECK_OK(ac_org_report(request, ana, rows, AC_REPORT_JSON_COMPACT, &json));
    CHECK(json && strstr(json, "\"tracked_seconds\":600,\"activity_percent\":50,\"active_percent\":50"));
    CHECK(json && json_number(after(json, "\"totals\""), "screenshots") == 2);
    CHECK(json && strstr(json, "{\"name\":\"Editor\",\"duration_millis\":400000,\"share_percent\":67}"));
    CHECK(json && count(json, "\"slot_start\":") == 144);
    ac_string_free(json);
    CHECK_RESULT(ac_org_report(request, ana, "{\"timeline\": 7}", AC_REPORT_JSON, &json), AC_INVALID_INPUT);
    CHECK_MESSAGE("rows_json");
    CHECK_RESULT(ac_org_report(request, ana, rows, 99, &json), AC_OUT_OF_RANGE);

    CHECK_OK(ac_tracker_free(t));
    ac_manual_clock_free(clock);
    pthread_mutex_destroy(&s.lock);
    DONE();
}
