/* A host that loads the library as a plugin (dlopen), runs a tracker, frees it and unloads the
 * library (dlclose), then goes on. Threads a freed tracker leaves to finish in the background
 * run the library's code, so dlclose must not unmap it: the library is linked -z nodelete, and
 * it is still loaded after dlclose (RTLD_NOLOAD finds it). Not linked against the library:
 * built and run on its own by scripts/test-c.sh. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "activity_core.h"

/* POSIX's way to take a function from dlsym (ISO C has no object-to-function conversion). */
#define LOAD(name)                                      \
    name##_fn name;                                     \
    *(void **)(&name) = dlsym(lib, #name);              \
    if (!name) {                                        \
        fprintf(stderr, "no %s\n", #name);              \
        return 1;                                       \
    }

typedef ac_result (*ac_tracker_options_init_fn)(ac_tracker_options *);
typedef ac_result (*ac_tracker_new_fn)(const ac_tracker_options *, ac_tracker **);
typedef ac_result (*ac_tracker_start_fn)(const ac_tracker *);
typedef ac_result (*ac_tracker_record_input_fn)(const ac_tracker *, uint32_t);
typedef ac_result (*ac_tracker_free_fn)(ac_tracker *);

int main(void) {
    const char *path = getenv("AC_LIBRARY");
    if (!path) {
        fprintf(stderr, "AC_LIBRARY is not set\n");
        return 1;
    }
    void *lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    LOAD(ac_tracker_options_init);
    LOAD(ac_tracker_new);
    LOAD(ac_tracker_start);
    LOAD(ac_tracker_record_input);
    LOAD(ac_tracker_free);
    char dir[256];
    snprintf(dir, sizeof dir, "/tmp/ac-c-dlclose-%d", (int)getpid());
    ac_tracker_options o;
    if (ac_tracker_options_init(&o) != AC_OK) return 1;
    o.data_dir = dir;
    o.disabled_sources = AC_SOURCE_SCREENS | AC_SOURCE_INPUT | AC_SOURCE_WINDOWS;
    ac_tracker *t = NULL;
    if (ac_tracker_new(&o, &t) != AC_OK || ac_tracker_start(t) != AC_OK) return 1;
    ac_tracker_record_input(t, AC_INPUT_KEY_PRESS);
    /* Freed while running: it stops, and its runtime's threads end in the background. */
    if (ac_tracker_free(t) != AC_OK) return 1;
    if (dlclose(lib) != 0) {
        fprintf(stderr, "dlclose: %s\n", dlerror());
        return 1;
    }
    if (!dlopen(path, RTLD_NOW | RTLD_NOLOAD)) {
        fprintf(stderr, "the library was unmapped by dlclose (it must be -z nodelete)\n");
        return 1;
    }
    /* The host goes on while anything left behind finishes. */
    struct timespec ts = {1, 0};
    nanosleep(&ts, NULL);
    puts("dlclose after free: ok");
    return 0;
}
