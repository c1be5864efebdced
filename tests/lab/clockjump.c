/* The wall clock of one process, stepped by a test while it runs: an NTP step or an administrator
 * setting the time, without touching the machine's clock (other processes, other tests).
 *
 * Preloaded (LD_PRELOAD) into the scanner's process: CLOCK_REALTIME, gettimeofday() and time() are
 * shifted by the number of seconds in the file named by MDMP_CLOCK_OFFSET_FILE (re-read every 5 ms
 * of real time), while CLOCK_MONOTONIC, and so every timeout that is measured right, is left alone.
 * Build: cc -shared -fPIC -O2 -o clockjump.so clockjump.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

typedef int (*clock_fn)(clockid_t, struct timespec *);

static clock_fn real_clock(void) {
    static clock_fn real = 0;
    if (!real) real = (clock_fn)dlsym(RTLD_NEXT, "clock_gettime");
    return real;
}

static long long offset_ns(void) {
    static long long cached = 0;
    static struct timespec last = {0, 0};
    struct timespec now;
    real_clock()(CLOCK_MONOTONIC, &now);
    long long since = (now.tv_sec - last.tv_sec) * 1000000000LL + (now.tv_nsec - last.tv_nsec);
    if (last.tv_sec == 0 || since > 5000000LL) {
        const char *path = getenv("MDMP_CLOCK_OFFSET_FILE");
        FILE *f = path ? fopen(path, "r") : NULL;
        double seconds = 0;
        if (f) {
            if (fscanf(f, "%lf", &seconds) != 1) seconds = 0;
            fclose(f);
        }
        cached = (long long)(seconds * 1e9);
        last = now;
    }
    return cached;
}

static void shift(struct timespec *ts) {
    long long ns = ts->tv_sec * 1000000000LL + ts->tv_nsec + offset_ns();
    ts->tv_sec = ns / 1000000000LL;
    ts->tv_nsec = ns % 1000000000LL;
}

int clock_gettime(clockid_t id, struct timespec *ts) {
    int rc = real_clock()(id, ts);
    if (rc == 0 && (id == CLOCK_REALTIME || id == CLOCK_REALTIME_COARSE)) shift(ts);
    return rc;
}

int gettimeofday(struct timeval *tv, void *tz) {
    struct timespec ts;
    (void)tz;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (tv) {
        tv->tv_sec = ts.tv_sec;
        tv->tv_usec = ts.tv_nsec / 1000;
    }
    return 0;
}

time_t time(time_t *out) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    if (out) *out = ts.tv_sec;
    return ts.tv_sec;
}
