/* The product's own storage as C callbacks: the conformance cases through the ac_storage_*
 * calls, then a tracker on a real X server uploading to it while it fails for a while (every
 * object arrives, retried), and a deletion through the API removing the objects. */
#include <pthread.h>

#include "harness.h"

#define MAX_OBJECTS 64

struct object {
    char key[256];
    uint8_t *data;
    size_t len;
};

struct store {
    pthread_mutex_t lock;
    struct object objects[MAX_OBJECTS];
    int fail_puts; /* the next puts that fail */
    int puts, failed_puts, gets, heads, deletes, finalised;
};

static struct object *find(struct store *s, const char *key) {
    for (int i = 0; i < MAX_OBJECTS; i++)
        if (s->objects[i].data && strcmp(s->objects[i].key, key) == 0) return &s->objects[i];
    return NULL;
}

static uint32_t put(void *ud, const char *key, const uint8_t *data, size_t len, char *message,
                     size_t message_len) {
    struct store *s = ud;
    pthread_mutex_lock(&s->lock);
    s->puts++;
    if (s->fail_puts > 0) {
        s->fail_puts--;
        s->failed_puts++;
        pthread_mutex_unlock(&s->lock);
        snprintf(message, message_len, "upload API answered 503");
        return AC_IO;
    }
    struct object *o = find(s, key);
    for (int i = 0; !o && i < MAX_OBJECTS; i++)
        if (!s->objects[i].data) o = &s->objects[i];
    if (!o) {
        pthread_mutex_unlock(&s->lock);
        snprintf(message, message_len, "store full");
        return AC_IO;
    }
    free(o->data);
    snprintf(o->key, sizeof o->key, "%s", key);
    o->data = malloc(len ? len : 1);
    memcpy(o->data, data, len);
    o->len = len;
    pthread_mutex_unlock(&s->lock);
    return AC_OK;
}

static uint32_t get(void *ud, const char *key, ac_bytes_sink *sink, char *message,
                     size_t message_len) {
    struct store *s = ud;
    (void)message;
    (void)message_len;
    pthread_mutex_lock(&s->lock);
    s->gets++;
    struct object *o = find(s, key);
    uint32_t r = o ? ac_bytes_sink_write(sink, o->data, o->len) : AC_NOT_FOUND;
    pthread_mutex_unlock(&s->lock);
    return r;
}

static uint32_t head(void *ud, const char *key, bool *exists, uint64_t *size, char *message,
                      size_t message_len) {
    struct store *s = ud;
    (void)message;
    (void)message_len;
    pthread_mutex_lock(&s->lock);
    s->heads++;
    struct object *o = find(s, key);
    *exists = o != NULL;
    *size = o ? o->len : 0;
    pthread_mutex_unlock(&s->lock);
    return AC_OK;
}

static uint32_t delete_object(void *ud, const char *key, char *message, size_t message_len) {
    struct store *s = ud;
    (void)message;
    (void)message_len;
    pthread_mutex_lock(&s->lock);
    s->deletes++;
    struct object *o = find(s, key);
    if (o) {
        free(o->data);
        o->data = NULL;
        o->len = 0;
    }
    pthread_mutex_unlock(&s->lock);
    return AC_OK;
}

static uint32_t signed_url(void *ud, const char *key, uint64_t expires, char *url, size_t url_len,
                            char *message, size_t message_len) {
    (void)ud;
    (void)message;
    (void)message_len;
    snprintf(url, url_len, "https://files.example/%s?expires=%llu", key, (unsigned long long)expires);
    return AC_OK;
}

static void finalise(void *ud) {
    struct store *s = ud;
    s->finalised++;
}

static int objects(struct store *s) {
    pthread_mutex_lock(&s->lock);
    int n = 0;
    for (int i = 0; i < MAX_OBJECTS; i++) n += s->objects[i].data != NULL;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static ac_storage *make(struct store *s, int with_url) {
    ac_storage_callbacks cb;
    CHECK_OK(ac_storage_callbacks_init(&cb));
    CHECK(cb.struct_size == sizeof cb && cb.put == NULL && cb.timeout_ms == 0);
    cb.user_data = s;
    cb.put = put;
    cb.get = get;
    cb.head = head;
    cb.delete_object = delete_object;
    cb.signed_url = with_url ? signed_url : NULL;
    cb.free_user_data = finalise;
    cb.timeout_ms = 10000;
    ac_storage *storage = NULL;
    CHECK_OK(ac_storage_from_callbacks(&cb, &storage));
    return storage;
}

/* The conformance cases every provider passes, through the C API. */
static void conformance(void) {
    struct store s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    ac_storage *st = make(&s, 1);
    CHECK(strcmp(ac_storage_provider(st), "EMBEDDER") == 0);
    const char *k1 = "screenshots/2026/11/30/emp/0850/a.jpg";
    const char *k2 = "screenshots/2026/11/30/emp/0850/a-thumb.jpg";
    static uint8_t body[100000];
    for (size_t i = 0; i < sizeof body; i++) body[i] = (uint8_t)i;
    CHECK_OK(ac_storage_put(st, k1, body, sizeof body));
    CHECK_OK(ac_storage_put(st, k1, body, sizeof body)); /* idempotent */
    CHECK_OK(ac_storage_put(st, k2, (const uint8_t *)"old", 3));
    CHECK_OK(ac_storage_put(st, k2, (const uint8_t *)"new", 3)); /* overwrite */
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(ac_storage_get(st, k1, &data, &len));
    CHECK(len == sizeof body && memcmp(data, body, len) == 0);
    ac_bytes_free(data, len);
    CHECK_OK(ac_storage_get(st, k2, &data, &len));
    CHECK(len == 3 && memcmp(data, "new", 3) == 0);
    ac_bytes_free(data, len);
    bool exists = false;
    uint64_t size = 0;
    CHECK_OK(ac_storage_head(st, k1, &exists, &size));
    CHECK(exists && size == sizeof body);
    CHECK_OK(ac_storage_head(st, "screenshots/missing.jpg", &exists, &size));
    CHECK(!exists);
    CHECK_OK(ac_storage_delete(st, k1));
    CHECK_OK(ac_storage_delete(st, k1)); /* deleting a missing object succeeds */
    CHECK_RESULT(ac_storage_get(st, k1, &data, &len), AC_NOT_FOUND);
    /* Keys that could escape the root never reach the product's callbacks. */
    int calls = s.puts + s.gets + s.deletes;
    const char *bad[] = {"../x.jpg", "/etc/passwd", "a//b", "a/./b", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        CHECK_RESULT(ac_storage_put(st, bad[i], (const uint8_t *)"x", 1), AC_INVALID_INPUT);
        CHECK_RESULT(ac_storage_get(st, bad[i], &data, &len), AC_INVALID_INPUT);
        CHECK_RESULT(ac_storage_delete(st, bad[i]), AC_INVALID_INPUT);
    }
    CHECK(s.puts + s.gets + s.deletes == calls);
    char *url = NULL;
    CHECK_OK(ac_storage_signed_url(st, k2, 60, &url));
    CHECK(url && strcmp(url, "https://files.example/screenshots/2026/11/30/emp/0850/a-thumb.jpg?expires=60") == 0);
    ac_string_free(url);
    CHECK_RESULT(ac_storage_signed_url(st, k2, 8 * 24 * 3600, &url), AC_INVALID_INPUT);
    CHECK_OK(ac_storage_delete(st, k2));
    CHECK(objects(&s) == 0);
    /* A failure carries the product's message. */
    s.fail_puts = 1;
    CHECK_RESULT(ac_storage_put(st, k1, body, 10), AC_IO);
    CHECK_MESSAGE("503");
    ac_storage_free(st);
    CHECK(s.finalised == 1);
    /* Without the optional callback, signed URLs are unsupported. */
    ac_storage *plain = make(&s, 0);
    CHECK_RESULT(ac_storage_signed_url(plain, k2, 60, &url), AC_UNAVAILABLE);
    ac_storage_free(plain);
    CHECK(s.finalised == 2);
    pthread_mutex_destroy(&s.lock);
}

/* Callbacks answering values that are not ac_result codes: -1 and an errno-like 77. */
static uint32_t put_minus_one(void *ud, const char *key, const uint8_t *data, size_t len,
                              char *message, size_t message_len) {
    (void)ud, (void)key, (void)data, (void)len, (void)message, (void)message_len;
    return (uint32_t)-1;
}

static uint32_t delete_77(void *ud, const char *key, char *message, size_t message_len) {
    (void)ud, (void)key, (void)message, (void)message_len;
    return 77;
}

/* Delete answering not-found (the object is gone already) is a success. */
static uint32_t delete_not_found(void *ud, const char *key, char *message, size_t message_len) {
    (void)ud, (void)key, (void)message, (void)message_len;
    return AC_NOT_FOUND;
}

static void odd_results(void) {
    struct store s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    ac_storage_callbacks cb;
    CHECK_OK(ac_storage_callbacks_init(&cb));
    cb.user_data = &s;
    cb.put = put_minus_one;
    cb.get = get;
    cb.head = head;
    cb.delete_object = delete_77;
    cb.free_user_data = finalise;
    ac_storage *st = NULL;
    CHECK_OK(ac_storage_from_callbacks(&cb, &st));
    const char *k = "screenshots/2026/11/30/emp/0850/odd.jpg";
    const uint8_t body[4] = {1, 2, 3, 4};
    CHECK_RESULT(ac_storage_put(st, k, body, sizeof body), AC_IO);
    CHECK_MESSAGE("4294967295 (not an ac_result)");
    CHECK_RESULT(ac_storage_delete(st, k), AC_IO);
    CHECK_MESSAGE("77 (not an ac_result)");
    ac_storage_free(st);
    cb.delete_object = delete_not_found;
    CHECK_OK(ac_storage_from_callbacks(&cb, &st));
    CHECK_OK(ac_storage_delete(st, k));
    ac_storage_free(st);
    CHECK(s.finalised == 2);
    /* The finaliser runs even when the call fails (one rule for every constructor). */
    cb.put = NULL;
    CHECK_RESULT(ac_storage_from_callbacks(&cb, &st), AC_NULL_ARGUMENT);
    CHECK(s.finalised == 3);
    /* A struct never initialised is refused. */
    ac_storage_callbacks zero;
    memset(&zero, 0, sizeof zero);
    CHECK_RESULT(ac_storage_from_callbacks(&zero, &st), AC_INVALID_INPUT);
    CHECK_MESSAGE("ac_storage_callbacks_init");
    pthread_mutex_destroy(&s.lock);
}

struct events {
    pthread_mutex_t lock;
    int stored, retrying;
};

static void on_event(void *ud, const char *json) {
    struct events *e = ud;
    pthread_mutex_lock(&e->lock);
    if (strstr(json, "\"event\":\"screenshot_stored\"")) e->stored++;
    if (strstr(json, "\"event\":\"upload_retrying\"") && strstr(json, "503")) e->retrying++;
    pthread_mutex_unlock(&e->lock);
}

static void tracker_uploads(void) {
    struct store s;
    memset(&s, 0, sizeof s);
    pthread_mutex_init(&s.lock, NULL);
    s.fail_puts = 2;
    struct events ev;
    memset(&ev, 0, sizeof ev);
    pthread_mutex_init(&ev.lock, NULL);
    ac_storage *st = make(&s, 1);
    char dir[256];
    temp_dir(dir, sizeof dir, "product-storage");
    ac_config *config = NULL;
    CHECK_OK(ac_config_from_json("{\"screenshotFrequency\": \"5s\", \"idle_after\": \"10m\"}", &config));
    ac_tracker_options o;
    CHECK_OK(ac_tracker_options_init(&o));
    o.data_dir = dir;
    o.config = config;
    o.storage = st;
    o.on_event = on_event;
    o.event_user_data = &ev;
    ac_tracker *t = NULL;
    CHECK_OK(ac_tracker_new(&o, &t));
    ac_config_free(config);
    ac_storage_free(st); /* the tracker keeps its own reference */
    CHECK(s.finalised == 0);
    if (!t) return;
    CHECK_OK(ac_tracker_set_context(t, "ana", NULL, NULL));
    CHECK_OK(ac_tracker_start(t));
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&ev.lock);
        int done = ev.stored >= 1;
        pthread_mutex_unlock(&ev.lock);
        if (done) break;
        sleep_ms(100);
    }
    CHECK_OK(ac_tracker_stop(t));
    CHECK(ev.retrying >= 1);
    CHECK(s.failed_puts == 2);
    CHECK(ev.stored >= 1);
    /* Every object of every stored screenshot is in the product's store, whole. */
    char *json = NULL;
    CHECK_OK(ac_tracker_screenshots_json(t, ADMIN, NULL, &json));
    char id[64] = "", full_key[256] = "", thumb_key[256] = "";
    CHECK(json && json_string(json, "id", id, sizeof id));
    CHECK(json && json_string(json, "full_key", full_key, sizeof full_key));
    CHECK(json && json_string(json, "thumb_key", thumb_key, sizeof thumb_key));
    CHECK(json && strstr(json, "\"provider\":\"EMBEDDER\""));
    ac_string_free(json);
    pthread_mutex_lock(&s.lock);
    CHECK(find(&s, full_key) && find(&s, thumb_key));
    pthread_mutex_unlock(&s.lock);
    /* Read back through the product's get, and a URL from its signed_url. */
    uint8_t *data = NULL;
    size_t len = 0;
    CHECK_OK(ac_tracker_screenshot_bytes(t, ADMIN, id, false, &data, &len));
    pthread_mutex_lock(&s.lock);
    struct object *o2 = find(&s, full_key);
    CHECK(o2 && o2->len == len && memcmp(o2->data, data, len) == 0);
    pthread_mutex_unlock(&s.lock);
    ac_bytes_free(data, len);
    char *url = NULL;
    CHECK_OK(ac_tracker_screenshot_url(t, ADMIN, id, true, 60, &url));
    CHECK(url && strstr(url, "https://files.example/") && strstr(url, "-thumb"));
    ac_string_free(url);
    /* Delete through the API: the product's store loses both objects. */
    char *outcome = NULL;
    CHECK_OK(ac_tracker_delete_screenshot(t, ADMIN, id, &outcome));
    CHECK(outcome && strstr(outcome, full_key) && strstr(outcome, "\"remote_queued\":[]"));
    ac_string_free(outcome);
    pthread_mutex_lock(&s.lock);
    CHECK(!find(&s, full_key) && !find(&s, thumb_key));
    pthread_mutex_unlock(&s.lock);
    CHECK_OK(ac_tracker_free(t));
    CHECK(s.finalised == 1); /* the last reference went with the tracker */
    for (int i = 0; i < MAX_OBJECTS; i++) free(s.objects[i].data);
    pthread_mutex_destroy(&s.lock);
    pthread_mutex_destroy(&ev.lock);
}

int main(void) {
    conformance();
    odd_results();
    tracker_uploads();
    DONE();
}
