/* Notifications and platform certificates through the C ABI: notifications made by the
 * simulator (good and bad) parsed with wxface_notification_parse and read with every accessor;
 * wxface_client_refresh_platform_certificates; a client in auto mode that holds no key until
 * its first call downloads the certificates; NULL arguments. None of it starts a thread.
 *
 * usage: notifications AUTO_CONFIG USER [EXPECT WANT_USER TIMESTAMP NONCE SIGNATURE SERIAL BODY_FILE]...
 *   AUTO_CONFIG: the simulator's client-auto.json; USER: a contracted user to terminate with it.
 *   Each case: EXPECT is the status number parse must return; WANT_USER the resource's
 *   user_id ("-": not checked); then the four header values and a file holding the body.
 * Env: see support.h (WXFACE_SIM_CONFIG: client.json, which holds the APIv3 key). */
#ifndef _WIN32
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <pthread.h>
#include <stdint.h>

/* Every thread the process starts is counted in threads_started: wxface must start none, since
 * the simulator's URL is an IP literal (no DNS lookup) and refreshes run on the caller's
 * thread. The program checks the count at the end, after starting one thread of its own to
 * see that the counting works. */
static volatile long threads_started;

#ifdef _WIN32
#include <windows.h>

/* Windows calls the program's TLS callbacks with DLL_THREAD_ATTACH in every new thread,
 * whoever starts it (wxface.dll through Rust's std, or winpthreads). */
static void NTAPI count_thread(PVOID module, DWORD reason, PVOID reserved) {
    (void)module;
    (void)reserved;
    if (reason == DLL_THREAD_ATTACH) {
        InterlockedIncrement(&threads_started);
    }
}
/* The linker gathers .CRT$XL* into the TLS callback array (MinGW's CRT uses XLA..XLD). */
__attribute__((used, section(".CRT$XLW"))) static const PIMAGE_TLS_CALLBACK count_thread_callback =
    count_thread;
#else
#include <dlfcn.h>

/* The program is linked with -rdynamic, so the library's pthread_create calls resolve to this
 * definition. */
int pthread_create(pthread_t *thread, const pthread_attr_t *attr, void *(*start)(void *), void *arg) {
    static int (*real)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);
    if (real == NULL) {
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_create");
    }
    threads_started++;
    return real(thread, attr, start, arg);
}
#endif

#include "support.h"

static void *idle(void *arg) {
    return arg;
}

enum { CASE_ARGS = 7 };

static void check_notification(const wxface_notification *n, const char *want_user) {
    CHECK(wxface_notification_id(n)[0] != '\0');
    CHECK(wxface_notification_event_type(n)[0] != '\0');
    CHECK(wxface_notification_create_time(n)[0] != '\0');
    CHECK(wxface_notification_summary(n) != NULL);
    CHECK(wxface_notification_resource(n)[0] != '\0');
    if (strcmp(want_user, "-") != 0) {
        CHECK_STR_EQ(wxface_notification_event_type(n), "FACEPAY.USER_STATE_CHANGE");
        CHECK_STR_EQ(wxface_notification_get(n, "/user_id"), want_user);
        CHECK_STR_CONTAINS(wxface_notification_resource(n), want_user);
        /* The same pointer twice gives the same string, valid until the free. */
        const char *first = wxface_notification_get(n, "/organization_id");
        CHECK(first[0] != '\0');
        CHECK(wxface_notification_get(n, "/organization_id") == first);
    }
    CHECK_STR_EQ(wxface_notification_get(n, "/no_such_member"), "");
    CHECK_STR_EQ(wxface_notification_get(n, "no leading slash"), "");
    CHECK_STR_EQ(wxface_notification_get(n, NULL), "");
}

static void parse_case(const wxface_client *client, char **arg) {
    unsigned long expect = strtoul(arg[0], NULL, 10);
    size_t body_len = 0;
    char *body = read_file(arg[6], &body_len);
    wxface_notification *n = NULL;
    wxface_error *err = NULL;
    wxface_status status =
        wxface_notification_parse(client, arg[2], arg[3], arg[4], arg[5], (const uint8_t *)body, body_len, &n, &err);
    if (status != expect) {
        CHECK_FAIL_AT(__FILE__, __LINE__, "parse returned %s (%s), want %lu", wxface_status_str(status),
                      err ? wxface_error_message(err) : "no error", expect);
    }
    if (status == WXFACE_OK) {
        CHECK(err == NULL);
        check_notification(n, arg[1]);
        wxface_notification_free(n);
    } else {
        CHECK(n == NULL);
        CHECK(wxface_error_message(err)[0] != '\0');
        if (wxface_error_request_sent(err)) { /* a notification is received, not requested */
            CHECK_FAIL_AT(__FILE__, __LINE__, "request_sent set for: %s", wxface_error_message(err));
        }
        wxface_error_free(err);
    }
    free(body);
}

static void null_arguments(const wxface_client *client, char **arg) {
    const uint8_t body[] = "{}";
    wxface_notification *n = NULL;
    wxface_error *err = NULL;
    const char *h[4] = {arg[2], arg[3], arg[4], arg[5]};
    for (int missing = -1; missing < 4; missing++) {
        const char *v[4] = {h[0], h[1], h[2], h[3]};
        if (missing >= 0) {
            v[missing] = NULL;
        }
        wxface_status s = wxface_notification_parse(missing < 0 ? NULL : client, v[0], v[1], v[2], v[3], body,
                                                    sizeof body - 1, &n, &err);
        CHECK_EQ_U(s, WXFACE_ERR_INVALID_ARGUMENT);
        CHECK(n == NULL);
        wxface_error_free(err);
        err = NULL;
    }
    CHECK_EQ_U(wxface_notification_parse(client, h[0], h[1], h[2], h[3], NULL, 0, &n, &err),
               WXFACE_ERR_INVALID_ARGUMENT);
    wxface_error_free(err);
    err = NULL;
    CHECK_EQ_U(wxface_notification_parse(client, h[0], h[1], h[2], h[3], body, 2, NULL, &err),
               WXFACE_ERR_INVALID_ARGUMENT);
    wxface_error_free(err);
    /* Accessors and free take NULL. */
    CHECK_STR_EQ(wxface_notification_id(NULL), "");
    CHECK_STR_EQ(wxface_notification_resource(NULL), "");
    CHECK_STR_EQ(wxface_notification_get(NULL, "/user_id"), "");
    wxface_notification_free(NULL);
    err = NULL;
    CHECK_EQ_U(wxface_client_refresh_platform_certificates(NULL, NULL, &err), WXFACE_ERR_INVALID_ARGUMENT);
    wxface_error_free(err);
}

int main(int argc, char **argv) {
    if (argc < 3 || (argc - 3) % CASE_ARGS != 0 || argc == 3) {
        fprintf(stderr, "usage: %s AUTO_CONFIG USER [EXPECT WANT_USER TS NONCE SIG SERIAL BODY_FILE]...\n", argv[0]);
        return 2;
    }
    wxface_client *client = client_from_sim_config();
    for (int i = 3; i < argc; i += CASE_ARGS) {
        parse_case(client, argv + i);
    }
    null_arguments(client, argv + 3);

    /* A refresh by hand: the count of certificates held, also with count_out NULL. */
    wxface_error *err = NULL;
    uint32_t count = 0;
    CHECK_EQ_U(wxface_client_refresh_platform_certificates(client, &count, &err), WXFACE_OK);
    CHECK_EQ_U(count, 1);
    CHECK_EQ_U(wxface_client_refresh_platform_certificates(client, NULL, &err), WXFACE_OK);
    CHECK(err == NULL);
    wxface_client_free(client);

    /* Auto mode with no configured key: the first call downloads, then terminates. */
    wxface_client *auto_client = NULL;
    CHECK_EQ_U(wxface_client_new_from_json_file(argv[1], &auto_client, &err), WXFACE_OK);
    CHECK_EQ_U(wxface_terminate_contract(auto_client, env_required("WXFACE_ID_ORGANIZATION_ID"), argv[2], &err),
               WXFACE_OK);
    wxface_client_free(auto_client);
    CHECK_EQ_U(threads_started, 0);
    pthread_t thread;
    CHECK(pthread_create(&thread, NULL, idle, NULL) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_EQ_U(threads_started, 1);
    printf("notifications: %d cases\n", (argc - 3) / CASE_ARGS);
    return 0;
}
