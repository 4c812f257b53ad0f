// Terminate the face-payment contract of one K12 user, from C++ (include/wxface.hpp).
//
//   terminate_contract CONFIG.json ORGANIZATION_ID USER_ID
//
// The same program as examples/c/terminate_contract.c: exit status 0 terminated, 1 failed
// (details on stderr), 2 usage error.
#include <cstdio>

#include <wxface.hpp>

int main(int argc, char **argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: %s CONFIG.json ORGANIZATION_ID USER_ID\n", argv[0]);
        return 2;
    }
    try {
        // A client is thread-safe and reusable: real POS software keeps one for its lifetime.
        const wxface::Client client = wxface::Client::from_file(argv[1]);
        const wxface::Response response = client.terminate_contract_with_response(argv[2], argv[3]);
        std::printf("terminated: the contract of user %s in organization %s was terminated (request id %s)\n",
                    argv[3], argv[2], response.request_id().c_str());
        return 0;
    } catch (const wxface::Error &e) {
        std::fprintf(stderr, "error: %s: %s\n", wxface::status_name(e.status()).c_str(), e.what());
        std::fprintf(stderr, "  http status: %u\n", static_cast<unsigned>(e.http_status()));
        std::fprintf(stderr, "  api code:    %s\n", e.api_code().c_str());
        std::fprintf(stderr, "  request id:  %s\n", e.request_id().c_str());
        std::fprintf(stderr, "  detail:      %s\n", e.detail_json().c_str());
        std::fprintf(stderr, "  sent:        %s\n", e.request_sent() ? "yes (query before repeating)" : "no");
        return 1;
    }
}
