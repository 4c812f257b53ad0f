/* The test resolver's controls (tests/c/shim/stall_dns.c). */
#ifndef WXFACE_TESTS_STALL_DNS_H
#define WXFACE_TESTS_STALL_DNS_H

/* getaddrinfo() calls started so far (stalled ones included). */
int shim_lookups_started(void);
/* Threads created through pthread_create() so far, and those whose routine has not returned. */
int shim_threads_created(void);
int shim_threads_running(void);
/* From now on getaddrinfo() responses at once (EAI_AGAIN), stalled calls included. */
void shim_release_lookups(void);
/* Waits until exactly `count` counted threads are running; 1 if reached, 0 on timeout. */
int shim_wait_threads_running(int count, int timeout_ms);

#endif
