/* A pupil leaves school: look the pupil up, print the repayment link if they still owe money,
 * terminate their face-pay contract, and print the Request-ID for the audit log.
 *
 *   pupil_leaves CONFIG.json ORGANIZATION_ID OUT_USER_ID
 *
 * OUT_USER_ID is the school's own id for the pupil. Exit status: 0 done (or nothing to do),
 * 1 failed (details on stderr), 2 usage error. */
#include <stdio.h>
#include <string.h>

#include "wxface.h"

/* Prints a failed call's error and frees it; returns 1 (the exit status). */
static int report(const char *what, wxface_error *err) {
    fprintf(stderr, "%s failed: %s: %s\n", what, wxface_status_str(wxface_error_status(err)),
            wxface_error_message(err));
    if (wxface_error_http_status(err) != 0) {
        fprintf(stderr, "  http %u %s, request id %s\n", (unsigned)wxface_error_http_status(err),
                wxface_error_api_code(err), wxface_error_request_id(err));
    }
    if (wxface_error_request_sent(err)) {
        /* The outcome is unknown (or WeChat Pay refused): look before trying again. */
        fprintf(stderr, "  the request reached WeChat Pay: query before repeating it\n");
    }
    wxface_error_free(err);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: %s CONFIG.json ORGANIZATION_ID OUT_USER_ID\n", argv[0]);
        return 2;
    }
    const char *config = argv[1], *organization = argv[2], *out_user = argv[3];
    wxface_client *client = NULL;
    wxface_response *user = NULL, *repayment = NULL, *terminated = NULL;
    wxface_error *err = NULL; /* must be NULL before each call that may fill it */
    int status = 1;

    if (wxface_client_new_from_json_file(config, &client, &err) != WXFACE_OK) {
        return report("reading the configuration", err);
    }

    /* 1. The pupil as WeChat Pay knows them. */
    if (wxface_query_user(client, organization, out_user, &user, &err) != WXFACE_OK) {
        status = report("query user", err);
        goto done;
    }
    const char *name = wxface_response_get(user, "/user_name");
    const char *state = wxface_response_get(user, "/contract_state");
    printf("pupil %s (%s): contract %s\n", out_user, name, state);
    if (strcmp(state, "CONTRACTED") != 0) {
        printf("nothing to terminate\n");
        status = 0;
        goto done;
    }

    /* 2. Money still owed: the parents get the link before the contract ends. */
    if (wxface_get_repayment_url(client, organization, out_user, &repayment, &err) == WXFACE_OK) {
        printf("owes money: repayment link %s (valid until %s)\n",
               wxface_response_get(repayment, "/repayment_url"),
               wxface_response_get(repayment, "/expire_at"));
    } else if (wxface_error_http_status(err) == 404) {
        printf("owes nothing\n"); /* no unpaid deduction */
        wxface_error_free(err);
        err = NULL;
    } else {
        status = report("get repayment url", err);
        goto done;
    }

    /* 3. Terminate, by the WeChat face user id the query gave. */
    const char *use_id = wxface_response_get(user, "/use_id");
    if (wxface_terminate_contract_with_response(client, organization, use_id, &terminated,
                                                &err) != WXFACE_OK) {
        status = report("terminate contract", err);
        goto done;
    }
    /* 4. The audit log keeps WeChat Pay's Request-ID. */
    printf("terminated: request id %s\n", wxface_response_request_id(terminated));
    status = 0;

done:
    wxface_response_free(terminated);
    wxface_response_free(repayment);
    wxface_response_free(user);
    wxface_client_free(client);
    return status;
}
