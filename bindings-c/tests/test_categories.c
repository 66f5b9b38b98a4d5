/* Productivity categories from C: ActivityWatch's category export loaded as it is (layered over
 * another set), records classified, and a day report's time by category with its score, on a
 * manual clock (the same figures as the Python test). */
#include "harness.h"

#define T0 1796025600000LL /* 2026-11-30T08:00:00Z */

static const char *ORG =
    "{\"id\": \"org\", \"categories\": ["
    "{\"name\": [\"Work\"], \"rule\": {\"type\": \"regex\", \"regex\": \"libreoffice\"}, \"data\": {\"score\": 4}},"
    "{\"name\": [\"Work\", \"Programming\"], \"rule\": {\"type\": \"regex\", \"regex\": \"vim|GitHub\"}},"
    "{\"name\": [\"Media\", \"Video\"], \"rule\": {\"type\": \"regex\", \"regex\": \"YouTube\", \"ignore_case\": true},"
    " \"data\": {\"score\": -2}}]}";
/* The employee's own set: a second definition of Work is ignored (the first set wins). */
static const char *MINE =
    "[{\"name\": [\"Work\"], \"rule\": {\"type\": \"regex\", \"regex\": \"xterm\"}, \"data\": {\"score\": -9}},"
    " {\"name\": [\"Reading\"], \"rule\": {\"type\": \"regex\", \"regex\": \"(?<!no-)news\"}}]";

static void work(ac_tracker *t, ac_manual_clock *clock, long long *now, long long until,
                 const char *app, const char *title) {
    /* A sample at each step's start, then the clock moves on: the next call's first sample
     * is the change, at the instant this one ends. */
    while (*now < until) {
        ac_tracker_record_input(t, AC_INPUT_KEY_PRESS);
        for (int i = 0; i < 2; i++) ac_tracker_record_window(t, app, title);
        *now += 20000;
        ac_manual_clock_set(clock, T0 + *now);
    }
}

int main(void) {
    char dir[256];
    temp_dir(dir, sizeof dir, "categories");
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json("{\"heartbeat_timeout\": \"25s\"}", &config));
    ac_manual_clock *clock = NULL;
    CHECK_OK(ac_manual_clock_new(T0, &clock));
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    o.data_dir = dir;
    o.config = config;
    o.clock = clock;
    o.missing_sources = AC_MISSING_SOURCES_RUN_AVAILABLE;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    if (!t) DONE();

    /* ActivityWatch's default set until told otherwise. */
    char *json = NULL;
    CHECK_OK(ac_tracker_classify(t, "firefox", "aw-server - GitHub", NULL, &json));
    CHECK(json && strcmp(json, "[\"Work\",\"Programming\",\"ActivityWatch\"]") == 0);
    ac_string_free(json);
    CHECK_OK(ac_tracker_categories_json(t, &json));
    CHECK(json && strstr(json, "\"id\":\"default\""));
    ac_string_free(json);

    /* Layers; a bad rule is named. */
    CHECK_RESULT(ac_tracker_set_categories(t, "[{\"name\": [\"A\"], \"rule\": {\"type\": \"regex\", \"regex\": \"(\"}}]"),
                 AC_INVALID_INPUT);
    CHECK_MESSAGE("rule 0 (A)");
    char layers[2048];
    snprintf(layers, sizeof layers, "[%s, {\"categories\": %s}]", ORG, MINE);
    CHECK_OK(ac_tracker_set_categories(t, layers));
    CHECK_OK(ac_tracker_classify(t, "xterm", "bash", NULL, &json));
    CHECK(json && strcmp(json, "[\"Uncategorized\"]") == 0);
    ac_string_free(json);
    CHECK_OK(ac_tracker_classify(t, "firefox", "Morning news", NULL, &json));
    CHECK(json && strcmp(json, "[\"Reading\"]") == 0);
    ac_string_free(json);

    /* An hour of vim, half an hour of YouTube, half an hour of xterm. */
    CHECK_OK(ac_tracker_set_context(t, "ana", "P", NULL));
    CHECK_OK(ac_tracker_start(t));
    long long now = 0;
    work(t, clock, &now, 3600000, "vim", "main.rs");
    work(t, clock, &now, 5400000, "firefox", "cats - youtube");
    work(t, clock, &now, 7200000, "xterm", "bash");
    CHECK_OK(ac_tracker_record_window(t, "xterm", "bash"));
    CHECK_OK(ac_tracker_stop(t));
    char *report = NULL;
    CHECK_OK(ac_tracker_report(t, ADMIN,
                               "{\"period\": {\"first\": \"2026-11-30\", \"last\": \"2026-11-30\", "
                               "\"time_zone\": \"UTC\"}}",
                               AC_REPORT_JSON_COMPACT, &report));
    const char *cats = report ? strstr(report, "\"categories\":{\"categories\"") : NULL;
    CHECK(cats != NULL);
    CHECK(json_number(after(cats, "\"top_level\""), "productive_seconds") == 3600);
    CHECK(json_number(after(cats, "\"top_level\""), "unproductive_seconds") == 1800);
    CHECK(json_number(after(cats, "\"top_level\""), "uncategorized_seconds") == 1800);
    /* score = 1 h × 4 − 0.5 h × 2 = 3 */
    CHECK(cats && strstr(cats, "\"score\":3.0,\"productive_seconds\":3600"));
    CHECK(report && strstr(report, "\"category_days\":[{\"day\":\"2026-11-30\""));
    CHECK(report && strstr(report, "\"category_projects\":[{\"project\":\"P\""));
    ac_string_free(report);
    CHECK_OK(ac_tracker_free(t));
    ac_manual_clock_free(clock);
    DONE();
}
