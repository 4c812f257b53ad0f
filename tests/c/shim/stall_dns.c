/* A test resolver for tests/c/dns_stall.c, linked into that program ahead of libc so that its
 * getaddrinfo() and pthread_create() are the ones libwxface calls.
 *
 * getaddrinfo() stalls until shim_release_lookups(), then fails with EAI_AGAIN, as a resolver
 * that has stopped answering does. pthread_create() is passed on to libc's, counting the
 * threads created and those still running, so the test can see every thread the library
 * starts and wait (on a condition variable, not a sleep) until they have all ended. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stall_dns.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int released, lookups_started, threads_created, threads_running;

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    (void)node;
    (void)service;
    (void)hints;
    (void)res;
    pthread_mutex_lock(&lock);
    lookups_started++;
    while (!released) {
        pthread_cond_wait(&changed, &lock);
    }
    pthread_mutex_unlock(&lock);
    return EAI_AGAIN;
}

struct start {
    void *(*routine)(void *);
    void *arg;
};

static void *run_counted(void *p) {
    struct start start = *(struct start *)p;
    free(p);
    void *result = start.routine(start.arg);
    pthread_mutex_lock(&lock);
    threads_running--;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return result;
}

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*routine)(void *),
                   void *arg) {
    pthread_create_fn real;
    void *symbol = dlsym(RTLD_NEXT, "pthread_create");
    memcpy(&real, &symbol, sizeof real);
    struct start *start = malloc(sizeof *start);
    if (real == NULL || start == NULL) {
        free(start);
        return EAGAIN;
    }
    start->routine = routine;
    start->arg = arg;
    pthread_mutex_lock(&lock);
    threads_created++;
    threads_running++;
    pthread_mutex_unlock(&lock);
    int rc = real(thread, attr, run_counted, start);
    if (rc != 0) {
        free(start);
        pthread_mutex_lock(&lock);
        threads_created--;
        threads_running--;
        pthread_mutex_unlock(&lock);
    }
    return rc;
}

static int read_counter(const int *counter) {
    pthread_mutex_lock(&lock);
    int value = *counter;
    pthread_mutex_unlock(&lock);
    return value;
}

int shim_lookups_started(void) { return read_counter(&lookups_started); }
int shim_threads_created(void) { return read_counter(&threads_created); }
int shim_threads_running(void) { return read_counter(&threads_running); }

void shim_release_lookups(void) {
    pthread_mutex_lock(&lock);
    released = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

int shim_wait_threads_running(int count, int timeout_ms) {
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += timeout_ms / 1000;
    deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    int rc = 0;
    while (threads_running != count && rc == 0) {
        rc = pthread_cond_timedwait(&changed, &lock, &deadline);
    }
    int reached = threads_running == count;
    pthread_mutex_unlock(&lock);
    return reached;
}
