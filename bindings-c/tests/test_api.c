/* The C API without a display: versions, results and messages, every function with NULL and
 * bad arguments, configuration, storage, a tracker fed by hand, and the media pipeline with its
 * output decoded by libjpeg. */
#include <stdio.h>
#include <stddef.h>
#include <jpeglib.h>
#include <math.h>

#include "harness.h"

static void versions(void) {
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", AC_VERSION_MAJOR, AC_VERSION_MINOR, AC_VERSION_PATCH);
    CHECK(strcmp(ac_version(), want) == 0);
    CHECK(strcmp(ac_result_name(AC_NOT_FOUND), "AC_NOT_FOUND") == 0);
    CHECK(strcmp(ac_result_name(AC_REENTRANT), "AC_REENTRANT") == 0);
    CHECK(strcmp(ac_result_name(12345), "AC_UNKNOWN_RESULT") == 0);
}

/* The platform's conventional data folder, from the environment. */
static void default_data_dir(void) {
    CHECK_RESULT(ac_default_data_dir(NULL), AC_NULL_ARGUMENT);
    char *dir = NULL;
#ifdef _WIN32
    const char *base = getenv("LOCALAPPDATA");
    const char sep = '\\';
#else
    const char *base = getenv("XDG_DATA_HOME");
    char home[512];
    if (!base || base[0] != '/') {
        snprintf(home, sizeof home, "%s/.local/share", getenv("HOME"));
        base = home;
    }
    const char sep = '/';
#endif
    char want[600];
    snprintf(want, sizeof want, "%s%cactivity-core", base, sep);
    CHECK_OK(ac_default_data_dir(&dir));
    CHECK(dir && strcmp(dir, want) == 0);
    if (dir && strcmp(dir, want) != 0) fprintf(stderr, "  got %s, want %s\n", dir, want);
    ac_string_free(dir);
}

static void last_error_message(void) {
    ac_config *config = (ac_config *)0x1;
    CHECK_RESULT(ac_config_from_json(NULL, &config), AC_NULL_ARGUMENT);
    CHECK(config == (ac_config *)0x1); /* out-params only on success */
    CHECK_MESSAGE("json is NULL");
    char small[4];
    size_t written = 777;
    CHECK_RESULT(ac_last_error_message(small, sizeof small, &written), AC_BUFFER_TOO_SMALL);
    CHECK(written == 777);
    CHECK(ac_last_error_length() == strlen("json is NULL") + 1);
    CHECK_RESULT(ac_last_error_message(NULL, 10, &written), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_last_error_message(small, sizeof small, NULL), AC_NULL_ARGUMENT);
}

static void configuration(void) {
    ac_config *config = NULL;
    CHECK_RESULT(ac_config_from_json(
                     "{\"screenshotFrequency\": \"often\", \"slot_seconds\": 7, \"nope\": 1}", &config),
                 AC_INVALID_CONFIG);
    /* Every problem at once, each named. */
    CHECK_MESSAGE("screenshot_frequency");
    CHECK_MESSAGE("slot_seconds");
    CHECK_MESSAGE("nope");
    CHECK_RESULT(ac_config_from_json("{\"blur\": ", &config), AC_INVALID_CONFIG);
    CHECK_RESULT(ac_config_from_json("\xff\xfe", &config), AC_INVALID_UTF8);
    CHECK_RESULT(ac_config_from_json("{}", NULL), AC_NULL_ARGUMENT);
    CHECK_OK(ac_config_from_json("{\"isScreenshotEnabled\": false, \"idle_after\": \"10m\"}", &config));
    char *json = NULL;
    CHECK_OK(ac_config_to_json(config, &json));
    CHECK(json && strstr(json, "\"is_screenshot_enabled\":false"));
    CHECK(json && strstr(json, "\"idle_after\":600"));
    ac_string_free(json);
    CHECK_RESULT(ac_config_to_json(NULL, &json), AC_NULL_ARGUMENT);
    ac_config_free(config);
    ac_config_free(NULL);
}

static void storage(void) {
    ac_storage *s = NULL;
    CHECK_RESULT(ac_storage_from_json("{\"FILE_PROVIDER\": \"S3\"}", &s), AC_INVALID_CONFIG);
    CHECK_MESSAGE("AWS_S3_BUCKET");
    CHECK_MESSAGE("AWS_ACCESS_KEY_ID");
    CHECK_RESULT(ac_storage_from_json("[1, 2]", &s), AC_INVALID_CONFIG);
    CHECK_RESULT(ac_storage_from_json(NULL, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_from_callbacks(NULL, &s), AC_NULL_ARGUMENT);
    ac_storage_callbacks none;
    CHECK_OK(ac_storage_callbacks_init(&none));
    CHECK_RESULT(ac_storage_from_callbacks(&none, &s), AC_NULL_ARGUMENT);
    CHECK_MESSAGE("callbacks->put");
    CHECK(s == NULL);

    char dir[256], json[1024];
    temp_dir(dir, sizeof dir, "local");
    snprintf(json, sizeof json,
             "{\"FILE_PROVIDER\": \"LOCAL\", \"LOCAL_STORAGE_ROOT\": \"%s\", "
             "\"LOCAL_URL_SIGNING_SECRET\": \"0123456789abcdef0123456789abcdef-c-test\", "
             "\"LOCAL_PUBLIC_URL\": \"http://127.0.0.1:9/files/\"}",
             dir);
    CHECK_OK(ac_storage_from_json(json, &s));
    CHECK(s && strcmp(ac_storage_provider(s), "LOCAL") == 0);
    CHECK(ac_storage_provider(NULL) == NULL);
    const char *key = "screenshots/2026/11/30/emp/0850/a.jpg";
    CHECK_OK(ac_storage_put(s, key, (const uint8_t *)"hello", 5));
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(ac_storage_get(s, key, &data, &len));
    CHECK(len == 5 && memcmp(data, "hello", 5) == 0);
    ac_bytes_free(data, len);
    bool exists = false;
    uint64_t size = 0;
    CHECK_OK(ac_storage_head(s, key, &exists, &size));
    CHECK(exists && size == 5);
    char *url = NULL;
    CHECK_OK(ac_storage_signed_url(s, key, 60, &url));
    CHECK(url && strncmp(url, "http://127.0.0.1:9/files/", 25) == 0);
    ac_string_free(url);
    CHECK_RESULT(ac_storage_signed_url(s, key, 0, &url), AC_INVALID_INPUT);
    CHECK_OK(ac_storage_delete(s, key));
    CHECK_RESULT(ac_storage_get(s, key, &data, &len), AC_NOT_FOUND);
    CHECK_RESULT(ac_storage_put(s, "../escape.jpg", (const uint8_t *)"x", 1), AC_INVALID_INPUT);
    CHECK_RESULT(ac_storage_put(s, key, NULL, 3), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_put(NULL, key, (const uint8_t *)"x", 1), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_head(s, key, NULL, &size), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_head(NULL, key, &exists, &size), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_get(NULL, key, &data, &len), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_get(s, NULL, &data, &len), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_get(s, key, NULL, &len), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_delete(NULL, key), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_delete(s, "\xff"), AC_INVALID_UTF8);
    CHECK_RESULT(ac_storage_signed_url(NULL, key, 60, &url), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_signed_url(s, key, 60, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_bytes_sink_write(NULL, (const uint8_t *)"x", 1), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_from_env(NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_storage_from_json("{}", NULL), AC_NULL_ARGUMENT);
    ac_bytes_free(NULL, 0);
    ac_string_free(NULL);
    ac_storage_free(s);

    /* From the environment, with the names products use. */
    setenv("FILE_PROVIDER", "WASABI", 1);
    CHECK_RESULT(ac_storage_from_env(&s), AC_INVALID_CONFIG);
    CHECK_MESSAGE("WASABI_S3_BUCKET");
    setenv("FILE_PROVIDER", "LOCAL", 1);
    setenv("LOCAL_STORAGE_ROOT", dir, 1);
    setenv("LOCAL_URL_SIGNING_SECRET", "0123456789abcdef0123456789abcdef-env", 1);
    CHECK_OK(ac_storage_from_env(&s));
    CHECK(s && strcmp(ac_storage_provider(s), "LOCAL") == 0);
    ac_storage_free(s);
    unsetenv("FILE_PROVIDER");
    ac_storage_free(NULL);
}

static void tracker_arguments(void) {
    ac_tracker_options o;
    CHECK_RESULT(ac_tracker_options_init(NULL), AC_NULL_ARGUMENT);
    CHECK_OK(ac_tracker_options_init(&o));
    ac_tracker *t = NULL;
    CHECK_RESULT(ac_tracker_new(NULL, &t), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_new(&o, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_new(&o, &t), AC_NULL_ARGUMENT); /* no data_dir */
    CHECK_MESSAGE("data_dir");
    char dir[256];
    temp_dir(dir, sizeof dir, "args");
    o.data_dir = dir;
    o.missing_sources = 7;
    CHECK_RESULT(ac_tracker_new(&o, &t), AC_OUT_OF_RANGE);
    o.missing_sources = AC_MISSING_SOURCES_REFUSE;
    o.disabled_sources = 64;
    CHECK_RESULT(ac_tracker_new(&o, &t), AC_OUT_OF_RANGE);
    CHECK(t == NULL);

    /* Every tracker function answers NULL with a code. */
    char *s = NULL;
    uint8_t *d = NULL;
    size_t n = 0;
    CHECK_RESULT(ac_tracker_start(NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_pause(NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_resume(NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_stop(NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_free(NULL), AC_OK);
    CHECK_RESULT(ac_tracker_set_context(NULL, "e", NULL, NULL), AC_NULL_ARGUMENT);
    /* A data folder that cannot be made (below a plain file). */
    char file[300], below[320];
    snprintf(file, sizeof file, "%s/plain-file", dir);
    snprintf(below, sizeof below, "%s/sub", file);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (f) fclose(f);
    o.disabled_sources = 0;
    o.data_dir = below;
    CHECK_RESULT(ac_tracker_new(&o, &t), AC_IO);
    CHECK_MESSAGE("plain-file");
    o.data_dir = dir;
    CHECK_RESULT(ac_tracker_record_input(NULL, AC_INPUT_KEY_PRESS), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_record_window(NULL, "a", "t"), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_record_url(NULL, "a", "t", "https://x.org"), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_screenshot_switches(NULL, NULL, NULL, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_set_screenshots_enabled(NULL, true, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_set_organisation_allows_screenshots(NULL, true, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_screenshots_json(NULL, NULL, NULL, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_slots_json(NULL, NULL, NULL, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_activities_json(NULL, NULL, NULL, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_screenshot_bytes(NULL, NULL, "x", false, &d, &n), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_screenshot_url(NULL, NULL, "x", false, 60, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_delete_screenshot(NULL, NULL, "x", NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_pending_json(NULL, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_sync(NULL, NULL), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_capabilities_json(NULL), AC_NULL_ARGUMENT);

    /* The option structs can grow: a program built against an older header (a smaller
     * struct_size, without the later fields) gets the defaults for what it does not know; a
     * struct never initialised is refused. */
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json("{\"slot_seconds\": 60}", &config));
    o.config = config;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    CHECK(o.struct_size == sizeof o);
    o.browser_bridge = 0xAB; /* past the older struct's end: never read */
    o.struct_size = offsetof(ac_tracker_options, browser_bridge);
    CHECK_OK(ac_tracker_new(&o, &t));
    CHECK_OK(ac_tracker_free(t));
    t = NULL;
    o.struct_size = 0;
    CHECK_RESULT(ac_tracker_new(&o, &t), AC_INVALID_INPUT);
    CHECK_MESSAGE("ac_tracker_options_init");
    o.struct_size = sizeof o;
    o.browser_bridge = 0;

    /* A tracker fed by hand (no built-in source: no display needed). */
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config); /* the tracker keeps its own copy */
    CHECK_RESULT(ac_tracker_pause(t), AC_INVALID_STATE);
    CHECK_OK(ac_tracker_set_context(t, "ana", "Apollo", NULL));
    CHECK_OK(ac_tracker_start(t));
    CHECK_RESULT(ac_tracker_start(t), AC_INVALID_STATE);
    /* One owner per data folder: a second tracker there cannot start, and says who owns it. */
    ac_tracker *second = NULL;
    o.config = NULL; /* freed above: the defaults */
    CHECK_OK(ac_tracker_new(&o, &second));
    CHECK_RESULT(ac_tracker_start(second), AC_INVALID_STATE);
    CHECK_MESSAGE("in use by process");
    CHECK_OK(ac_tracker_free(second));
    CHECK_RESULT(ac_tracker_record_input(t, 99), AC_OUT_OF_RANGE);
    CHECK_OK(ac_tracker_record_input(t, AC_INPUT_KEY_PRESS));
    CHECK_OK(ac_tracker_record_input(t, AC_INPUT_BUTTON_PRESS));
    CHECK_RESULT(ac_tracker_record_window(t, "\xc3\x28", "bad"), AC_INVALID_UTF8);
    CHECK_RESULT(ac_tracker_record_window(t, "editor", NULL), AC_NULL_ARGUMENT);
    CHECK_OK(ac_tracker_record_window(t, "editor", "notes.txt"));
    CHECK_OK(ac_tracker_record_url(t, "firefox", "Docs", "https://docs.rs/tokio?token=1"));
    sleep_ms(600);
    CHECK_OK(ac_tracker_record_window(t, "editor", "notes.txt"));
    CHECK_OK(ac_tracker_record_url(t, "firefox", "Docs", "https://docs.rs/tokio?token=1"));
    bool effective = true, employee = false, organisation = false;
    CHECK_OK(ac_tracker_set_organisation_allows_screenshots(t, false, &effective));
    CHECK(!effective);
    CHECK_OK(ac_tracker_screenshot_switches(t, &employee, &organisation, NULL));
    CHECK(employee && !organisation);
    char *sentinel = (char *)0x1;
    s = sentinel;
    CHECK_RESULT(ac_tracker_screenshots_json(t, "{\"role\": \"boss\"}", NULL, &s), AC_INVALID_INPUT);
    CHECK_MESSAGE("viewer");
    CHECK_RESULT(ac_tracker_screenshots_json(t, ADMIN, "{\"form\": 1}", &s), AC_INVALID_INPUT);
    /* No viewer is an error, never "everyone"; nor is an empty employee id anyone. */
    CHECK_RESULT(ac_tracker_screenshots_json(t, NULL, NULL, &s), AC_INVALID_INPUT);
    CHECK_MESSAGE("a viewer is required");
    CHECK_RESULT(ac_tracker_slots_json(t, "{\"role\": \"employee\", \"id\": \"\"}", NULL, &s),
                 AC_INVALID_INPUT);
    CHECK_RESULT(ac_tracker_report(t, NULL, "{}", AC_REPORT_JSON, &s), AC_INVALID_INPUT);
    CHECK(s == sentinel);
    CHECK_RESULT(ac_tracker_screenshot_bytes(t, ADMIN, "nope", false, &d, &n), AC_NOT_FOUND);
    CHECK_RESULT(ac_tracker_screenshot_url(t, ADMIN, "nope", false, 60, &s), AC_NOT_FOUND);
    CHECK_RESULT(ac_tracker_delete_screenshot(t, ADMIN, "nope", NULL), AC_NOT_FOUND);
    CHECK_OK(ac_tracker_stop(t));
    CHECK_RESULT(ac_tracker_stop(t), AC_INVALID_STATE);
    CHECK_OK(ac_tracker_slots_json(t, "{\"role\": \"employee\", \"id\": \"ana\"}", NULL, &s));
    CHECK(strstr(s, "\"keyboard_events\":1") && strstr(s, "\"project\":\"Apollo\""));
    ac_string_free(s);
    CHECK_OK(ac_tracker_slots_json(t, "{\"role\": \"employee\", \"id\": \"bo\"}", NULL, &s));
    CHECK(strcmp(s, "[]") == 0);
    ac_string_free(s);
    {
        /* Presence-only input (a Wayland idle signal): active seconds, counts unknown (null). */
        char dir2[512];
        snprintf(dir2, sizeof dir2, "%s-presence", o.data_dir);
        ac_config *pc = NULL;
        CHECK_OK(ac_config_from_json("{\"count_input_events\": false, \"slot_seconds\": 60}", &pc));
        ac_tracker_options po;
        ac_tracker_options_init(&po);
        po.config = pc;
        po.data_dir = dir2;
        po.disabled_sources = o.disabled_sources;
        po.browser_bridge = 0;
        ac_tracker *p = NULL;
        CHECK_OK(ac_tracker_new(&po, &p));
        ac_config_free(pc);
        CHECK_OK(ac_tracker_start(p));
        CHECK_OK(ac_tracker_record_input(p, AC_INPUT_PRESENCE));
        CHECK_OK(ac_tracker_stop(p));
        char *ps = NULL;
        CHECK_OK(ac_tracker_slots_json(p, ADMIN, NULL, &ps));
        CHECK(strstr(ps, "\"keyboard_events\":null") && strstr(ps, "\"activity_percent\":null") &&
              strstr(ps, "\"active_seconds\":1"));
        ac_string_free(ps);
        CHECK_OK(ac_tracker_free(p));
    }
    CHECK_OK(ac_tracker_activities_json(t, ADMIN, "{\"from\": \"2000-01-01T00:00:00Z\"}", &s));
    CHECK(strstr(s, "\"title\":\"notes.txt\""));
    CHECK(strstr(s, "\"url\":\"https://docs.rs/tokio\"")); /* the query string is gone */
    CHECK(!strstr(s, "token"));
    ac_string_free(s);
    CHECK_OK(ac_tracker_pending_json(t, &s));
    CHECK(strstr(s, "\"count\":0"));
    ac_string_free(s);

    /* Reports: today in UTC, as JSON, HTML and SVG; bad requests answered with a code. */
    char today[16];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
    char request[256];
    snprintf(request, sizeof request,
             "{\"period\": {\"first\": \"%s\", \"last\": \"%s\", \"time_zone\": \"UTC\"}}", today, today);
    CHECK_OK(ac_tracker_report(t, "{\"role\": \"employee\", \"id\": \"ana\"}", request, AC_REPORT_JSON, &s));
    CHECK(strstr(s, "\"keyboard_events\": 1") && strstr(s, "\"name\": \"editor\""));
    ac_string_free(s);
    CHECK_OK(ac_tracker_report(t, ADMIN, request, AC_REPORT_HTML, &s));
    CHECK(strncmp(s, "<!doctype html>", 15) == 0 && !strstr(s, "<script"));
    ac_string_free(s);
    CHECK_OK(ac_tracker_report(t, ADMIN, request, AC_REPORT_TIMELINE_SVG, &s));
    CHECK(strncmp(s, "<svg", 4) == 0);
    ac_string_free(s);
    CHECK_RESULT(ac_tracker_report(t, ADMIN, request, 77, &s), AC_OUT_OF_RANGE);
    CHECK_RESULT(ac_tracker_report(t, ADMIN, "{\"period\": 1}", AC_REPORT_JSON, &s), AC_INVALID_INPUT);
    CHECK_RESULT(ac_tracker_report(t, ADMIN,
                                   "{\"period\": {\"first\": \"2026-11-30\", \"last\": \"2026-11-30\", \"time_zone\": \"Mars/Base\"}}",
                                   AC_REPORT_JSON, &s),
                 AC_INVALID_INPUT);
    CHECK_MESSAGE("Mars/Base");
    CHECK_RESULT(ac_tracker_report(NULL, NULL, request, AC_REPORT_JSON, &s), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_tracker_report(t, ADMIN, NULL, AC_REPORT_JSON, &s), AC_NULL_ARGUMENT);
    /* A second employee tracked on the same machine: a team report keeps each one's timeline. */
    CHECK_OK(ac_tracker_set_context(t, "bo", "Apollo", NULL));
    CHECK_OK(ac_tracker_start(t));
    CHECK_OK(ac_tracker_record_input(t, AC_INPUT_KEY_PRESS));
    sleep_ms(1200);
    CHECK_OK(ac_tracker_stop(t));
    CHECK_OK(ac_tracker_report(t, "{\"role\": \"manager\", \"id\": \"bo\", \"team\": [\"ana\"]}", request,
                               AC_REPORT_JSON, &s));
    CHECK(s && strstr(s, "\"employees\"") && strstr(s, "\"employee\": \"ana\"") &&
          strstr(s, "\"employee\": \"bo\"") && strstr(s, "\"timeline\": []"));
    ac_string_free(s);
    CHECK_OK(ac_capabilities_json(&s));
    /* Each source says which backends were tried (and, when one works, which one serves it). */
    CHECK(strstr(s, "\"session\"") && strstr(s, "\"passed_over\""));
    ac_string_free(s);
    CHECK_OK(ac_tracker_free(t));
}

/* A gradient with a sharp checkerboard in its left half. */
static uint8_t *frame(uint32_t w, uint32_t h, size_t stride) {
    uint8_t *px = calloc(stride * h, 1);
    for (uint32_t y = 0; y < h; y++) {
        for (uint32_t x = 0; x < w; x++) {
            uint8_t *p = px + y * stride + x * 4;
            int check = x < w / 2 && ((x / 8 + y / 8) % 2);
            p[0] = check ? 255 : (uint8_t)(x * 255 / w);
            p[1] = check ? 255 : (uint8_t)(y * 255 / h);
            p[2] = check ? 255 : 60;
            p[3] = 255;
        }
    }
    return px;
}

/* Decodes a JPEG with libjpeg: size, mean of the red channel, and the mean absolute step
 * between horizontal neighbours in the left half (how sharp it is). */
static int decode(const ac_image *img, uint32_t *w, uint32_t *h, double *mean_red, double *step) {
    struct jpeg_decompress_struct cinfo;
    struct jpeg_error_mgr jerr;
    cinfo.err = jpeg_std_error(&jerr);
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, img->data, (unsigned long)img->len);
    if (jpeg_read_header(&cinfo, TRUE) != JPEG_HEADER_OK) return 0;
    cinfo.out_color_space = JCS_RGB;
    jpeg_start_decompress(&cinfo);
    *w = cinfo.output_width;
    *h = cinfo.output_height;
    size_t row = (size_t)cinfo.output_width * 3;
    unsigned char *line = malloc(row);
    double red = 0, steps = 0;
    size_t nred = 0, nsteps = 0;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW rows[1] = {line};
        jpeg_read_scanlines(&cinfo, rows, 1);
        for (uint32_t x = 0; x < cinfo.output_width; x++) {
            red += line[x * 3];
            nred++;
            if (x > 0 && x < cinfo.output_width / 2) {
                steps += fabs((double)line[x * 3 + 1] - line[(x - 1) * 3 + 1]);
                nsteps++;
            }
        }
    }
    jpeg_finish_decompress(&cinfo);
    jpeg_destroy_decompress(&cinfo);
    free(line);
    *mean_red = red / (double)nred;
    *step = steps / (double)nsteps;
    return 1;
}

static void media(void) {
    const uint32_t w = 640, h = 480;
    const size_t stride = w * 4 + 64; /* padded rows */
    uint8_t *px = frame(w, h, stride);
    ac_media_options o;
    CHECK_RESULT(ac_media_options_default(NULL), AC_NULL_ARGUMENT);
    CHECK_OK(ac_media_options_default(&o));
    CHECK(o.format == AC_IMAGE_JPEG && o.quality == 80 && o.thumbnail_size == 320);
    ac_media_result *r = NULL;
    CHECK_RESULT(ac_media_process(NULL, 10, w, h, stride, AC_PIXEL_RGBA, &o, &r), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_media_process(px, stride * h, 0, h, stride, AC_PIXEL_RGBA, &o, &r), AC_INVALID_INPUT);
    CHECK_RESULT(ac_media_process(px, stride * h, w, 0, stride, AC_PIXEL_RGBA, &o, &r), AC_INVALID_INPUT);
    CHECK_RESULT(ac_media_process(px, 100, w, h, stride, AC_PIXEL_RGBA, &o, &r), AC_INVALID_INPUT);
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, 16, AC_PIXEL_RGBA, &o, &r), AC_INVALID_INPUT);
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, stride, 9, &o, &r), AC_OUT_OF_RANGE);
    ac_media_options bad = o;
    bad.quality = 0;
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &bad, &r), AC_INVALID_INPUT);
    bad = o;
    bad.format = 7;
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &bad, &r), AC_OUT_OF_RANGE);
    bad = o;
    bad.blur = 500.0f;
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &bad, &r), AC_INVALID_INPUT);
    CHECK(r == NULL);
    CHECK_RESULT(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &o, NULL), AC_NULL_ARGUMENT);

    CHECK_OK(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &o, &r));
    ac_image full, thumb;
    CHECK_RESULT(ac_media_result_image(NULL, false, &full), AC_NULL_ARGUMENT);
    CHECK_RESULT(ac_media_result_image(r, false, NULL), AC_NULL_ARGUMENT);
    CHECK_OK(ac_media_result_image(r, false, &full));
    CHECK_OK(ac_media_result_image(r, true, &thumb));
    CHECK(full.width == w && full.height == h && !full.blurred);
    CHECK(thumb.width == 320 && thumb.height == 240);
    CHECK(strlen(full.sha256_hex) == 64 && strlen(thumb.sha256_hex) == 64);
    uint32_t dw = 0, dh = 0;
    double red = 0, sharp = 0;
    CHECK(decode(&full, &dw, &dh, &red, &sharp));
    CHECK(dw == w && dh == h);
    /* Left half: half the squares white; right half: a ramp. Mean red ≈ 0.25·255 + 0.5·(ramp). */
    double want = 0.5 * (0.5 * 255 + 0.5 * 255 * 0.25) + 0.5 * (255 * 0.75);
    CHECK(fabs(red - want) < 12);
    uint32_t tw = 0, th = 0;
    double tred = 0, tstep = 0;
    CHECK(decode(&thumb, &tw, &th, &tred, &tstep));
    CHECK(tw == 320 && th == 240 && fabs(tred - red) < 12);

    /* Blurred: the checkerboard's edges are gone, the mean stays. */
    ac_media_result *b = NULL;
    ac_media_options blur = o;
    blur.blur = 12.0f;
    CHECK_OK(ac_media_process(px, stride * h, w, h, stride, AC_PIXEL_RGBA, &blur, &b));
    ac_image bf;
    CHECK_OK(ac_media_result_image(b, false, &bf));
    CHECK(bf.blurred);
    double bred = 0, bsharp = 0;
    CHECK(decode(&bf, &dw, &dh, &bred, &bsharp));
    CHECK(fabs(bred - red) < 12);
    CHECK(bsharp < sharp / 4);
    CHECK(strcmp(bf.sha256_hex, full.sha256_hex) != 0);

    /* BGRA input of the same pixels gives the same bytes. */
    uint8_t *bgra = malloc(stride * h);
    for (size_t i = 0; i < stride * h; i += 4) {
        bgra[i] = px[i + 2];
        bgra[i + 1] = px[i + 1];
        bgra[i + 2] = px[i];
        bgra[i + 3] = px[i + 3];
    }
    ac_media_result *r2 = NULL;
    CHECK_OK(ac_media_process(bgra, stride * h, w, h, stride, AC_PIXEL_BGRA, &o, &r2));
    ac_image full2;
    CHECK_OK(ac_media_result_image(r2, false, &full2));
    CHECK(strcmp(full2.sha256_hex, full.sha256_hex) == 0);
    ac_media_result_free(r2);
    ac_media_result_free(b);
    ac_media_result_free(r);
    ac_media_result_free(NULL);
    free(bgra);
    free(px);
}

int main(void) {
    default_data_dir();
    versions();
    last_error_message();
    configuration();
    storage();
    tracker_arguments();
    media();
    DONE();
}
