/* Happy path: terminate contracted users with a client made from the JSON file and with clients
 * made by the builder (keys and CA given as files, and as PEM from memory).
 *
 * usage: happy_path ORG USER_JSON USER_BUILDER_FILE USER_BUILDER_PEM ODD_ORG ODD_USER
 * Every user must be contracted in the simulator. ODD_ORG/ODD_USER contain characters that
 * must be percent-encoded (e.g. "ORG:1+2@x" and "u~._-9"). Env: see support.h. */
#include "support.h"

static void terminate_ok(const wxface_client *client, const char *org, const char *user) {
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_terminate_contract(client, org, user, &err), WXFACE_OK, err);
    CHECK(err == NULL); /* left untouched on success */
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr,
                "usage: %s ORG USER_JSON USER_BUILDER_FILE USER_BUILDER_PEM ODD_ORG ODD_USER\n",
                argv[0]);
        return 2;
    }
    const char *org = argv[1];

    /* 1. client from the simulator's client.json file */
    wxface_client *from_json = client_from_sim_config();
    terminate_ok(from_json, org, argv[2]);
    terminate_ok(from_json, argv[5], argv[6]);
    wxface_client_free(from_json);

    /* 2. builder, keys and CA from files */
    wxface_client *from_file = build(builder_from_env(0));
    terminate_ok(from_file, org, argv[3]);
    wxface_client_free(from_file);

    /* 3. builder, keys and CA as PEM from memory, explicit timeouts */
    wxface_client_builder *b = builder_from_env(1);
    wxface_error *err = NULL;
    CHECK_STATUS(wxface_client_builder_set_timeouts(b, 5000, 15000, &err), WXFACE_OK, err);
    wxface_client *from_pem = build(b);
    terminate_ok(from_pem, org, argv[4]);
    wxface_client_free(from_pem);
    return 0;
}
