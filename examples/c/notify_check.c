/* Checks one WeChat Pay notification (webhook) the way a notify endpoint written in C would:
 * give it the four signature headers and the raw body, get the decrypted resource back.
 *
 *   notify_check CONFIG.json TIMESTAMP NONCE SIGNATURE SERIAL BODY_FILE
 *
 * TIMESTAMP .. SERIAL are the values of the Wechatpay-Timestamp, -Nonce, -Signature and
 * -Serial headers; BODY_FILE holds the body exactly as received. The configuration needs the
 * APIv3 key. Exit status: 0 good (reply 204), 1 refused (reply 4xx with {"code":"FAIL"}),
 * 2 usage error or unreadable file. */
#include <stdio.h>
#include <stdlib.h>

#include "wxface.h"

/* The library refuses bodies over 1 MiB: read one byte more so it can say so. */
#define MAX_BODY ((size_t)1 << 20)

/* Reads up to MAX_BODY + 1 bytes of `path` into a new buffer; NULL if it cannot be read. */
static unsigned char *read_body(const char *path, size_t *len_out) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    unsigned char *body = malloc(MAX_BODY + 1);
    if (body != NULL) {
        *len_out = fread(body, 1, MAX_BODY + 1, f);
        if (ferror(f)) {
            free(body);
            body = NULL;
        }
    }
    fclose(f);
    return body;
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s CONFIG.json TIMESTAMP NONCE SIGNATURE SERIAL BODY_FILE\n", argv[0]);
        return 2;
    }
    size_t body_len = 0;
    unsigned char *body = read_body(argv[6], &body_len);
    if (body == NULL) {
        perror(argv[6]);
        return 2;
    }

    wxface_error *err = NULL;
    wxface_client *client = NULL;
    if (wxface_client_new_from_json_file(argv[1], &client, &err) != WXFACE_OK) {
        fprintf(stderr, "config: %s\n", wxface_error_message(err));
        wxface_error_free(err);
        free(body);
        return 2;
    }

    int exit_status = 0;
    wxface_notification *n = NULL;
    if (wxface_notification_parse(client, argv[2], argv[3], argv[4], argv[5], body, body_len, &n, &err) ==
        WXFACE_OK) {
        printf("notification %s: %s at %s\n", wxface_notification_id(n), wxface_notification_event_type(n),
               wxface_notification_create_time(n));
        printf("user %s (out_user_id %s) in %s\n", wxface_notification_get(n, "/user_id"),
               wxface_notification_get(n, "/out_user_id"), wxface_notification_get(n, "/organization_id"));
        printf("resource %s\n", wxface_notification_resource(n));
        wxface_notification_free(n);
    } else {
        printf("refused: %s: %s\n", wxface_status_str(wxface_error_status(err)), wxface_error_message(err));
        wxface_error_free(err);
        exit_status = 1;
    }
    wxface_client_free(client);
    free(body);
    return exit_status;
}
