//! The C test programs (`tests/c/*.c`) and the C examples (`examples/c/*.c`), compiled against
//! the built `libwxface.so` with the header `include/wxface.h`, and the C++ test program
//! (`tests/cpp/api.cpp`) and example (`examples/cpp/terminate_contract.cpp`) with
//! `include/wxface.hpp`, run against a fresh `wxface-sim` per scenario — once plainly, and once
//! all together under valgrind.
//!
//! Each program is compiled with (the Makefile uses the same command):
//!
//! ```text
//! cc -std=c11 -Wall -Wextra -Werror -pedantic -I include PROGRAM.c -o PROGRAM \
//!    -L target/debug -Wl,-rpath,target/debug -lwxface [-pthread]
//! ```
//!
//! and the C++ ones with `c++ -std=c++17 -Wall -Wextra -Werror -pedantic` (`CXX` overrides
//! `c++`), the same way otherwise (here `-L`/rpath name `target/tmp/c_suite/<pid>/`, which
//! holds a copy of the library taken when the suite starts, under its SONAME
//! `libwxface.so.<ABI>`, which the programs load, with the `libwxface.so` link `-lwxface`
//! finds). `CC` overrides `cc`. The library is the `cdylib` that cargo builds
//! as part of building the `wxface` crate for this test: `cargo test` leaves it in
//! `target/<profile>/deps` next to this test binary (`cargo build` also copies it to
//! `target/<profile>`, the Makefile's `-L`).
//! Programs read the simulator's `client.json` from `WXFACE_SIM_CONFIG`, its members from
//! `WXFACE_CFG_<KEY>` and the fixture's named ids (`wxface-sim --test-ids`) from
//! `WXFACE_ID_<NAME>` (see `tests/c/support.h`); everything else comes from argv.
//!
//! `WXFACE_SKIP_VALGRIND=1` skips the valgrind run (and says so loudly); nothing else is skipped.
//!
//! Against a cross-built library (`make test-cross`, `scripts/cross-test`) the same scenarios run
//! with the programs cross-compiled and run under an emulator; these variables say how:
//! - `WXFACE_C_SUITE_LIB_DIR`: the cross-built library's folder (`dist/linux-arm64`,
//!   `dist/windows-x64`), used instead of the cdylib cargo built. A folder holding `wxface.dll`
//!   is a Windows build: the programs are `NAME.exe`, linked with the import library
//!   `libwxface.dll.a` and loading the DLL copied beside them (Windows' loader looks there
//!   first), and the CRLF line ends of their output are read as LF. The POSIX-only programs
//!   ([`POSIX_ONLY`]) are not built for Windows, and their scenarios fail if run: the caller
//!   leaves them out and says so.
//! - `WXFACE_C_SUITE_CC`, `WXFACE_C_SUITE_CXX`: the cross compilers. They win over `CC` and
//!   `CXX`, which cargo would also hand to the build scripts of the native crates this test
//!   builds.
//! - `WXFACE_C_SUITE_LDFLAGS`: more linker arguments for every program (split at whitespace).
//! - `WXFACE_C_SUITE_RUNNER`: the command (split at whitespace) each program runs under, e.g.
//!   `qemu-aarch64 -L /usr/aarch64-linux-gnu`. Valgrind cannot look inside it, so
//!   `c_suite_under_valgrind` fails when one is set (leave it out).

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::Duration;

use wxface_sim::{ContractState, Fault, KeyMode, Sim, SimOptions};

/// The built-in fixture's ids, named by the simulator (`wxface_sim::test_ids`).
use wxface_sim::test_ids::{
    self, DEBT_OUT_USER_ID, DEBT_USER_ID, ENCODED_ORGANIZATION_ID as ODD_ORG,
    ENCODED_USER_ID as ODD_USER, ORGANIZATION_ID as ORG, TERMINATED_OUT_USER_ID,
    TERMINATED_USER_ID as TERMINATED_USER, UNKNOWN_USER_ID as UNKNOWN_USER, contracted_contract_id,
    contracted_out_user, contracted_user as user,
};

// ---------------------------------------------------------------------------------------------
// Scenarios: each starts its own simulator and runs one program (under valgrind or not).
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Plain,
    Valgrind,
}

fn scenario_happy_path(mode: Mode) {
    for key_mode in [KeyMode::PublicKey, KeyMode::Certificate] {
        let sim = start_sim(key_mode);
        let users = [user(1), user(2), user(3)];
        let args = [ORG, &users[0], &users[1], &users[2], ODD_ORG, ODD_USER];
        expect_success(run(mode, "happy_path", &args, &sim), "happy_path");
        for u in &users {
            assert_terminated(&sim, ORG, u);
        }
        assert_terminated(&sim, ODD_ORG, ODD_USER);
        assert_eq!(
            sim.stats().signature_failures,
            0,
            "the simulator rejected a signature"
        );
    }
}

fn scenario_api_error(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let args = [ORG, TERMINATED_USER, UNKNOWN_USER];
    expect_success(run(mode, "api_error", &args, &sim), "api_error");
    // Exactly one request (the one with a wrong merchant serial) failed authentication.
    assert_eq!(sim.stats().signature_failures, 1);

    // Responses injected by the simulator; an HTML page (a proxy's) has no code and no Request-ID.
    for (spec, status, code) in [
        ("status:500:json", "500", "SYSTEM_ERROR"),
        ("status:429:json", "429", "FREQUENCY_LIMITED"),
        ("status:502:html", "502", ""),
    ] {
        sim.set_fault(fault(spec), None);
        let u = user(201);
        let args = ["--injected", status, code, ORG, &u];
        let out = run(mode, "api_error", &args, &sim);
        sim.clear_faults();
        expect_success(out, &format!("api_error with fault {spec}"));
    }
}

fn scenario_signature_failure(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let specs = [
        "bad_signature",
        "probe_signature",
        "missing_header:Wechatpay-Nonce",
        "missing_header:Wechatpay-Signature",
        "missing_header:Wechatpay-Timestamp",
        "missing_header:Wechatpay-Serial",
        "unknown_serial",
        "timestamp_offset:-400",
        "timestamp_offset:400",
    ];
    for (i, spec) in specs.into_iter().enumerate() {
        sim.set_fault(fault(spec), None);
        let u = user(101 + i as u32);
        let out = run(mode, "signature_failure", &[ORG, &u], &sim);
        sim.clear_faults();
        expect_success(out, &format!("signature_failure with fault {spec}"));
    }
}

fn scenario_timeout(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    sim.set_fault(Fault::Delay(Duration::from_secs(5)), None);
    let (a, b) = (user(301), user(302));
    expect_success(run(mode, "timeout", &[ORG, &a, &b], &sim), "timeout");
}

fn scenario_bad_arguments(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let u = user(401);
    expect_success(
        run(mode, "bad_arguments", &[ORG, &u], &sim),
        "bad_arguments",
    );
    let stats = sim.stats();
    assert_eq!(
        stats.requests_total, 0,
        "rejected calls must send nothing, the simulator saw {:?}",
        stats.requests_per_path
    );
    assert!(matches!(
        sim.user_state(ORG, &u),
        Some(ContractState::Contracted)
    ));
}

fn scenario_null_err(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let u = user(501);
    let args = [ORG, TERMINATED_USER, UNKNOWN_USER, &u];
    expect_success(run(mode, "null_err", &args, &sim), "null_err");
    // Only the four well-formed terminate calls reached the simulator.
    let stats = sim.stats();
    assert_eq!(stats.requests_total, 4, "{:?}", stats.requests_per_path);
    assert_terminated(&sim, ORG, &u);
}

fn scenario_concurrency(mode: Mode) {
    const THREADS: u32 = 8;
    const FIRST: u32 = 1001;
    // Valgrind runs threads one at a time and each call ~50 times slower: fewer calls there.
    let calls: u32 = if mode == Mode::Valgrind { 3 } else { 25 };
    let sim = start_sim(KeyMode::PublicKey);
    let (first, n) = (FIRST.to_string(), calls.to_string());
    expect_success(
        run(mode, "concurrency", &[ORG, &first, &n], &sim),
        "concurrency",
    );
    for i in FIRST..FIRST + THREADS * calls {
        assert_terminated(&sim, ORG, &user(i));
    }
    assert_eq!(sim.stats().requests_total, u64::from(THREADS * calls));
}

fn scenario_example(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let config = sim.client_config_path();
    let config = config.to_str().expect("state dir path is UTF-8");
    let u = user(601);

    let out = run(mode, "terminate_contract", &[config, ORG, &u], &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "examples/c/terminate_contract.c");
    assert_eq!(
        stdout,
        format!("terminated: the contract of user {u} in organization {ORG} was terminated\n")
    );
    assert_terminated(&sim, ORG, &u);

    // Again: the contract is already terminated, WeChat Pay answers 400 PARAM_ERROR.
    let out = run(mode, "terminate_contract", &[config, ORG, &u], &sim);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "second termination: {stderr}");
    assert!(out.stdout.is_empty());
    for expected in ["PARAM_ERROR", "400", "request id:"] {
        assert!(
            stderr.contains(expected),
            "stderr lacks {expected:?}: {stderr}"
        );
    }

    let out = run(mode, "terminate_contract", &[config, ORG], &sim);
    assert_eq!(out.status.code(), Some(2), "usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
}

/// Fork: the parent and 4 children call at once after fork(), 10 rounds of 20 calls each; the
/// simulator must see exactly the calls made, each once, all verified.
fn scenario_fork(mode: Mode) {
    const FIRST: u32 = 2001;
    const ROUNDS: u32 = 10;
    const CALLS: u32 = 20;
    let sim = start_sim(KeyMode::PublicKey);
    let args = [FIRST.to_string(), ROUNDS.to_string(), CALLS.to_string()];
    let out = run(mode, "fork", &[ORG, &args[0], &args[1], &args[2]], &sim);
    expect_success(out, "fork");
    let made = 1 + ROUNDS * 5 * CALLS;
    let stats = sim.stats();
    assert_eq!(
        stats.requests_total,
        u64::from(made),
        "each call reached the simulator once"
    );
    assert_eq!(stats.signature_failures, 0);
    for i in FIRST..FIRST + made {
        assert_terminated(&sim, ORG, &user(i));
    }
}

/// A stalled resolver (the program is linked with a getaddrinfo shim): calls end on time, at
/// most 4 lookups stay outstanding, an IP literal needs no thread.
fn scenario_dns_stall(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let u = user(701);
    expect_success(run(mode, "dns_stall", &[ORG, &u], &sim), "dns_stall");
    assert_terminated(&sim, ORG, &u);
    assert_eq!(
        sim.stats().requests_total,
        1,
        "only the IP-literal client reached the simulator"
    );
}

/// Files from C: the harness writes a client.json with a UTF-8 BOM and key paths relative to
/// its own folder, in a subfolder whose name is not ASCII (`keys-密钥`, which
/// tests/c/config_files.c also names); the program, run from another working directory, uses
/// it, reads the keys by UTF-8 paths through the builder, and checks the errors of every
/// file-taking function.
fn scenario_config_files(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let folder = programs().join(format!("config-files-{mode:?}"));
    let keys = folder.join("keys-密钥");
    std::fs::create_dir_all(&keys).expect("create the config folder");
    let mut document = sim.client_config();
    for (key, file) in [
        ("private_key_file", "merchant_key.pem"),
        ("wechatpay_public_key_file", "wechatpay_public_key.pem"),
        ("root_ca_file", "ca.pem"),
    ] {
        std::fs::copy(sim.state_dir().join(file), keys.join(file)).expect("copy a key");
        document[key] = serde_json::Value::from(format!("keys-密钥/{file}"));
    }
    let mut text = "\u{FEFF}".to_owned();
    text.push_str(&document.to_string());
    let config = folder.join("client.json");
    std::fs::write(&config, text).expect("write client.json");
    let u = user(801);
    let args = [
        ORG,
        &u,
        config.to_str().expect("UTF-8 path"),
        folder.to_str().expect("UTF-8 path"),
    ];
    expect_success(run(mode, "config_files", &args, &sim), "config_files");
    assert_terminated(&sim, ORG, &u);
    assert_eq!(
        sim.stats().requests_total,
        1,
        "only the one good call reached the simulator"
    );
}

/// Every K12 operation and the generic call through the C ABI (`tests/c/k12.c`); afterwards the
/// simulator must have received exactly the requests the program counted, with the sensitive
/// fields it sent encrypted (the simulator opened them).
fn scenario_k12(mode: Mode) {
    const N: u32 = 901;
    let sim = start_sim(KeyMode::PublicKey);
    let (out_user, use_id, contract) = (contracted_out_user(N), user(N), contracted_contract_id(N));
    let other = user(N + 1);
    let args = [&*out_user, &use_id, &contract, &other, "T-C-901"];
    let out = run(mode, "k12", &args, &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "k12");

    let stats = sim.stats();
    assert_eq!(
        stdout,
        format!("k12: {} requests sent\n", stats.requests_total),
        "the simulator saw {:?}",
        stats.requests_per_path
    );
    assert_eq!(stats.signature_failures, 0);
    assert_eq!(stats.deductions_recorded, 1);
    assert_terminated(&sim, ORG, &use_id);
    assert_terminated(&sim, ORG, &other);
    let pupil = sim.user(ORG, &out_user).expect("the pupil");
    assert_eq!(pupil["user_name"], "张三");
    assert_eq!(pupil["student_info"]["class_name"], "四年级1班");
    let arrivals = sim.requests();
    let sent = |method: &str, path: &str| {
        arrivals
            .iter()
            .filter(|a| {
                a["method"] == method && a["target"].as_str().is_some_and(|t| t.starts_with(path))
            })
            .map(|a| a["body"].clone())
            .collect::<Vec<_>>()
    };
    let presigned = sent("POST", "/v3/offlineface/contracts/presign");
    assert_eq!(presigned.len(), 1);
    assert_eq!(
        presigned[0]["limit_bank_card"]["identification_name"],
        "张大山"
    );
    assert_eq!(presigned[0]["facepay_user"]["phone"], "13800138000");
    let patches = sent("PATCH", "/v3/offlinefacemch/organizations/");
    let phones: Vec<&serde_json::Value> = patches.iter().filter_map(|b| b.get("phone")).collect();
    assert_eq!(phones, ["13800138000", "13900139000"]);
}

/// `examples/c/pupil_leaves.c`: a pupil who owes money gets the repayment link and is
/// terminated; one who owes nothing is terminated; a terminated one needs nothing.
fn scenario_pupil_leaves(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let config = sim.client_config_path();
    let config = config.to_str().expect("state dir path is UTF-8");

    let out = run(mode, "pupil_leaves", &[config, ORG, DEBT_OUT_USER_ID], &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "examples/c/pupil_leaves.c (debt)");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(
        lines[0].starts_with(&format!("pupil {DEBT_OUT_USER_ID} (")),
        "{stdout}"
    );
    assert!(lines[0].ends_with("): contract CONTRACTED"), "{stdout}");
    assert!(
        lines[1].starts_with("owes money: repayment link https://"),
        "{stdout}"
    );
    assert!(lines[1].contains(" (valid until "), "{stdout}");
    let request_id = lines[2]
        .strip_prefix("terminated: request id ")
        .expect("a Request-ID line");
    assert!(!request_id.is_empty(), "{stdout}");
    assert_terminated(&sim, ORG, DEBT_USER_ID);

    let n = 902;
    let out = run(
        mode,
        "pupil_leaves",
        &[config, ORG, &contracted_out_user(n)],
        &sim,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "examples/c/pupil_leaves.c (no debt)");
    assert!(
        stdout.contains("\nowes nothing\nterminated: request id "),
        "{stdout}"
    );
    assert_terminated(&sim, ORG, &user(n));

    let out = run(
        mode,
        "pupil_leaves",
        &[config, ORG, TERMINATED_OUT_USER_ID],
        &sim,
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "examples/c/pupil_leaves.c (terminated)");
    assert!(
        stdout.ends_with(": contract TERMINATED\nnothing to terminate\n"),
        "{stdout}"
    );

    let out = run(mode, "pupil_leaves", &[config, ORG], &sim);
    assert_eq!(out.status.code(), Some(2), "usage error");
    assert!(String::from_utf8_lossy(&out.stderr).contains("usage:"));
}

/// Notifications made by the simulator, good and bad, parsed by `tests/c/notifications.c`;
/// certificate refreshes; a client in auto mode that bootstraps at its first call.
fn scenario_notifications(mode: Mode) {
    use wxface::ffi::{WXFACE_ERR_RESPONSE, WXFACE_ERR_SIGNATURE, WXFACE_OK};
    use wxface_sim::NotificationOptions;
    let sim = start_sim(KeyMode::Certificate);
    let o = NotificationOptions::default;
    let good_user = user(711);
    let cases = [
        (
            WXFACE_OK,
            good_user.as_str(),
            NotificationOptions {
                user_id: Some(good_user.clone()),
                ..o()
            },
        ),
        (
            WXFACE_OK,
            "-",
            NotificationOptions {
                event_type: Some("TRANSACTION.SUCCESS".into()),
                ..o()
            },
        ),
        (
            WXFACE_ERR_SIGNATURE,
            "-",
            NotificationOptions {
                tamper: true,
                ..o()
            },
        ),
        (
            WXFACE_ERR_SIGNATURE,
            "-",
            NotificationOptions {
                apiv3_key: Some("0123456789abcdef0123456789abcdef".into()),
                ..o()
            },
        ),
        (
            WXFACE_ERR_SIGNATURE,
            "-",
            NotificationOptions {
                serial: Some("0123456789ABCDEF".into()),
                ..o()
            },
        ),
        (
            WXFACE_ERR_SIGNATURE,
            "-",
            NotificationOptions {
                timestamp_offset_s: -400,
                ..o()
            },
        ),
        (
            WXFACE_ERR_SIGNATURE,
            "-",
            NotificationOptions {
                timestamp_offset_s: 400,
                ..o()
            },
        ),
        (
            WXFACE_ERR_RESPONSE,
            "-",
            NotificationOptions {
                algorithm: Some("AEAD_SM4_GCM".into()),
                ..o()
            },
        ),
    ];
    let auto_config = sim.client_auto_config_path();
    let to_terminate = user(712);
    let mut args: Vec<String> = vec![
        auto_config.to_str().unwrap().to_owned(),
        to_terminate.clone(),
    ];
    for (i, (expect, want_user, options)) in cases.iter().enumerate() {
        let n = sim
            .build_notification(options)
            .expect("the simulator builds a notification");
        let body_file = sim.state_dir().join(format!("notification-{i}.json"));
        std::fs::write(&body_file, &n.body).unwrap();
        args.push(expect.to_string());
        args.push((*want_user).to_owned());
        for header in [
            "Wechatpay-Timestamp",
            "Wechatpay-Nonce",
            "Wechatpay-Signature",
            "Wechatpay-Serial",
        ] {
            args.push(n.header(header).unwrap().to_owned());
        }
        args.push(body_file.to_str().unwrap().to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(mode, "notifications", &args, &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "notifications");
    assert_eq!(stdout, format!("notifications: {} cases\n", cases.len()));
    assert_terminated(&sim, ORG, &to_terminate);
    // Two refreshes by hand, and the auto client's first call.
    assert_eq!(sim.certificate_downloads(), 3);

    // The C example receiver (examples/c/notify_check.c): a good notification and a tampered one.
    let config = sim.client_config_path();
    for (tamper, exit, says) in [
        (false, 0, format!("user {good_user} ")),
        (true, 1, "refused: ".into()),
    ] {
        let options = NotificationOptions {
            user_id: Some(good_user.clone()),
            tamper,
            ..o()
        };
        let n = sim.build_notification(&options).unwrap();
        let body_file = sim.state_dir().join("notify-check.json");
        std::fs::write(&body_file, &n.body).unwrap();
        let mut args = vec![config.to_str().unwrap()];
        for header in [
            "Wechatpay-Timestamp",
            "Wechatpay-Nonce",
            "Wechatpay-Signature",
            "Wechatpay-Serial",
        ] {
            args.push(n.header(header).unwrap());
        }
        args.push(body_file.to_str().unwrap());
        let out = run(mode, "notify_check", &args, &sim);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(exit),
            "notify_check (tamper: {tamper}): {stdout}"
        );
        assert!(
            stdout.contains(&says),
            "notify_check (tamper: {tamper}): {stdout}"
        );
    }
}

/// The C++ API (`include/wxface.hpp`): every owner type, the operations, the builder, a fresh
/// notification, and the error paths; the simulator must then hold what the program did.
fn scenario_cpp_api(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let (u, renamed, notified) = (user(901), 902, user(903));
    let renamed_out = contracted_out_user(renamed);
    let apiv3_key = sim.apiv3_key();
    let notification = sim
        .build_notification(&wxface_sim::NotificationOptions {
            user_id: Some(notified.clone()),
            ..Default::default()
        })
        .expect("the simulator builds a notification");
    let body_file = programs().join(format!("cpp-notification-{mode:?}.json"));
    std::fs::write(&body_file, &notification.body).expect("write the notification body");
    let header = |name: &str| notification.header(name).expect("a signature header");
    let args = [
        ORG,
        &u,
        TERMINATED_USER,
        &renamed_out,
        apiv3_key,
        header("Wechatpay-Timestamp"),
        header("Wechatpay-Nonce"),
        header("Wechatpay-Signature"),
        header("Wechatpay-Serial"),
        body_file.to_str().expect("UTF-8 path"),
    ];
    let out = run(mode, "cpp_api", &args, &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "tests/cpp/api.cpp");
    assert_eq!(stdout, "cpp api: every check held\n");
    assert_terminated(&sim, ORG, &u);
    let renamed_user = sim.user(ORG, &renamed_out).expect("the renamed user");
    assert_eq!(renamed_user["user_name"], "李四", "{renamed_user}");
    assert_eq!(sim.stats().signature_failures, 0);
}

/// `examples/cpp/terminate_contract.cpp`: terminates, then reports the API error of a second
/// termination the way the C example does.
fn scenario_cpp_example(mode: Mode) {
    let sim = start_sim(KeyMode::PublicKey);
    let config = sim.client_config_path();
    let config = config.to_str().expect("state dir path is UTF-8");
    let u = user(951);

    let out = run(mode, "cpp_terminate_contract", &[config, ORG, &u], &sim);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    expect_success(out, "examples/cpp/terminate_contract.cpp");
    let expected = format!(
        "terminated: the contract of user {u} in organization {ORG} was terminated (request id "
    );
    assert!(stdout.starts_with(&expected), "{stdout}");
    assert_terminated(&sim, ORG, &u);

    let out = run(mode, "cpp_terminate_contract", &[config, ORG, &u], &sim);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "second termination: {stderr}");
    for expected in [
        "PARAM_ERROR",
        "http status: 400",
        "request id:",
        "sent:        yes",
    ] {
        assert!(
            stderr.contains(expected),
            "stderr lacks {expected:?}: {stderr}"
        );
    }
}

/// A scenario: starts its simulators, runs its program(s) in the given mode, checks outcomes.
type Scenario = fn(Mode);

/// (name, scenario, also run under valgrind). Fork and the DNS shim run plainly only: their
/// checks are about processes and deadlines, which valgrind's slowness and per-process logs
/// would blur.
const SCENARIOS: &[(&str, Scenario, bool)] = &[
    ("happy_path", scenario_happy_path, true),
    ("api_error", scenario_api_error, true),
    ("signature_failure", scenario_signature_failure, true),
    ("timeout", scenario_timeout, true),
    ("bad_arguments", scenario_bad_arguments, true),
    ("null_err", scenario_null_err, true),
    ("concurrency", scenario_concurrency, true),
    ("example", scenario_example, true),
    ("config_files", scenario_config_files, true),
    ("k12", scenario_k12, true),
    ("pupil_leaves", scenario_pupil_leaves, true),
    ("notifications", scenario_notifications, true),
    ("cpp_api", scenario_cpp_api, true),
    ("cpp_example", scenario_cpp_example, true),
    ("fork", scenario_fork, false),
    ("dns_stall", scenario_dns_stall, false),
];

#[test]
fn c_happy_path() {
    scenario_happy_path(Mode::Plain);
}

#[test]
fn c_api_error() {
    scenario_api_error(Mode::Plain);
}

#[test]
fn c_signature_failure() {
    scenario_signature_failure(Mode::Plain);
}

#[test]
fn c_timeout() {
    scenario_timeout(Mode::Plain);
}

#[test]
fn c_bad_arguments_send_nothing() {
    scenario_bad_arguments(Mode::Plain);
}

#[test]
fn c_null_err() {
    scenario_null_err(Mode::Plain);
}

#[test]
fn c_concurrency() {
    scenario_concurrency(Mode::Plain);
}

#[test]
fn c_example_terminate_contract() {
    scenario_example(Mode::Plain);
}

#[test]
fn c_config_files() {
    scenario_config_files(Mode::Plain);
}

#[test]
fn c_k12_every_operation() {
    scenario_k12(Mode::Plain);
}

#[test]
fn c_example_pupil_leaves() {
    scenario_pupil_leaves(Mode::Plain);
}

#[test]
fn c_notifications_and_certificates() {
    scenario_notifications(Mode::Plain);
}

#[test]
fn cpp_api() {
    scenario_cpp_api(Mode::Plain);
}

#[test]
fn cpp_example_terminate_contract() {
    scenario_cpp_example(Mode::Plain);
}

#[test]
fn c_fork_parent_and_children_at_once() {
    scenario_fork(Mode::Plain);
}

#[test]
fn c_dns_stall() {
    scenario_dns_stall(Mode::Plain);
}

#[test]
fn c_suite_under_valgrind() {
    if std::env::var_os("WXFACE_SKIP_VALGRIND").is_some_and(|v| v == "1") {
        eprintln!();
        eprintln!("************************************************************************");
        eprintln!("*** WXFACE_SKIP_VALGRIND=1: the C suite was NOT run under valgrind.   ***");
        eprintln!("*** Leaks and invalid memory accesses in the C ABI are unchecked.     ***");
        eprintln!("************************************************************************");
        return;
    }
    let found = Command::new("valgrind").arg("--version").output();
    if !found.is_ok_and(|o| o.status.success()) {
        panic!(
            "valgrind is not installed: install it (Debian/Ubuntu: apt-get install valgrind) \
             or set WXFACE_SKIP_VALGRIND=1 to skip this test knowingly"
        );
    }
    let _ =
        std::fs::remove_file(Path::new(env!("CARGO_TARGET_TMPDIR")).join("valgrind-summary.txt"));
    for (name, scenario, _) in SCENARIOS.iter().filter(|(_, _, valgrind)| *valgrind) {
        eprintln!("valgrind: {name}");
        scenario(Mode::Valgrind);
    }
}

// ---------------------------------------------------------------------------------------------
// Simulator
// ---------------------------------------------------------------------------------------------

/// A simulator with a fresh state dir, which is removed again when the scenario ends.
struct TempSim(Option<Sim>);

impl std::ops::Deref for TempSim {
    type Target = Sim;
    fn deref(&self) -> &Sim {
        self.0.as_ref().expect("running simulator")
    }
}

impl Drop for TempSim {
    fn drop(&mut self) {
        if let Some(sim) = self.0.take() {
            let state_dir = sim.state_dir().to_path_buf();
            drop(sim);
            let _ = std::fs::remove_dir_all(state_dir);
        }
    }
}

fn start_sim(key_mode: KeyMode) -> TempSim {
    let options = SimOptions {
        key_mode,
        ..SimOptions::default()
    };
    TempSim(Some(Sim::start(options).expect("start wxface-sim")))
}

fn fault(spec: &str) -> Fault {
    spec.parse()
        .unwrap_or_else(|e| panic!("fault {spec:?}: {e}"))
}

fn assert_terminated(sim: &Sim, org: &str, user: &str) {
    assert!(
        matches!(sim.user_state(org, user), Some(ContractState::Terminated)),
        "{org}/{user} is not terminated in the simulator"
    );
}

/// The environment a program gets: `WXFACE_SIM_CONFIG`, `WXFACE_SIM_URL`, every member of
/// client.json as `WXFACE_CFG_<KEY>` (string members as they are; of `platform_certificate_files`
/// the first file, as `WXFACE_CFG_PLATFORM_CERTIFICATE_FILE`) and every named id of the fixture
/// as `WXFACE_ID_<NAME>` (the string members of `wxface-sim --test-ids`).
fn sim_env(sim: &Sim) -> BTreeMap<String, OsString> {
    let mut env = BTreeMap::new();
    env.insert(
        "WXFACE_SIM_CONFIG".to_owned(),
        sim.client_config_path().into_os_string(),
    );
    env.insert("WXFACE_SIM_URL".to_owned(), sim.base_url().into());
    let config = sim.client_config();
    let members = config.as_object().expect("client.json is a JSON object");
    for (key, value) in members {
        let name = format!("WXFACE_CFG_{}", key.to_ascii_uppercase());
        match value {
            serde_json::Value::String(s) => {
                env.insert(name, s.into());
            }
            serde_json::Value::Array(items) if key == "platform_certificate_files" => {
                let first = items
                    .first()
                    .and_then(|v| v.as_str())
                    .expect("a certificate file");
                env.insert(
                    "WXFACE_CFG_PLATFORM_CERTIFICATE_FILE".to_owned(),
                    first.into(),
                );
            }
            _ => {}
        }
    }
    let ids = test_ids::as_json();
    for (name, value) in ids.as_object().expect("the test ids are a JSON object") {
        if let Some(id) = value.as_str() {
            env.insert(
                format!("WXFACE_ID_{}", name.to_ascii_uppercase()),
                id.into(),
            );
        }
    }
    env
}

// ---------------------------------------------------------------------------------------------
// Running programs
// ---------------------------------------------------------------------------------------------

fn run(mode: Mode, program: &str, args: &[&str], sim: &Sim) -> Output {
    assert!(
        !(windows() && POSIX_ONLY.contains(&program)),
        "{program} is POSIX-only and was not built for Windows: leave its test out \
         (scripts/cross-test does, and lists it)"
    );
    let binary = program_file(programs(), program);
    let runner = env_words("WXFACE_C_SUITE_RUNNER");
    let mut command = match (mode, runner.split_first()) {
        (Mode::Plain, None) => Command::new(&binary),
        (Mode::Plain, Some((runner, runner_args))) => {
            let mut c = Command::new(runner);
            c.args(runner_args).arg(&binary);
            c
        }
        (Mode::Valgrind, Some(_)) => panic!(
            "valgrind cannot look inside WXFACE_C_SUITE_RUNNER ({}): leave \
             c_suite_under_valgrind out",
            runner.join(" ")
        ),
        (Mode::Valgrind, None) => {
            let mut c = Command::new("valgrind");
            // The log goes to a file so the program's own stderr stays as it is; its summary
            // is checked and collected by `valgrind_summary` below.
            c.arg(format!("--log-file={}", valgrind_log(program).display()));
            c.args([
                "--leak-check=full",
                "--show-leak-kinds=definite,indirect",
                "--errors-for-leak-kinds=definite,indirect",
                "--error-exitcode=99",
            ]);
            c.arg(&binary);
            c
        }
    };
    // cargo runs tests with LD_LIBRARY_PATH naming target/<profile>, which the loader would
    // search before the programs' rpath: the copy of the library under test must be the one
    // loaded, not whatever `cargo build` last left there.
    command
        .args(args)
        .envs(sim_env(sim))
        .env_remove("LD_LIBRARY_PATH");
    let mut output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
    if matches!(mode, Mode::Valgrind) {
        record_valgrind_summary(program, args);
    }
    if windows() {
        // The Windows C runtime writes text-mode stdout and stderr with CRLF line ends; the
        // scenarios compare text with LF.
        output.stdout = crlf_to_lf(&output.stdout);
        output.stderr = crlf_to_lf(&output.stderr);
    }
    output
}

fn crlf_to_lf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &byte) in bytes.iter().enumerate() {
        if !(byte == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(byte);
        }
    }
    out
}

fn valgrind_log(program: &str) -> PathBuf {
    programs().join(format!("valgrind-{program}.log"))
}

/// Checks valgrind's own summary of one run (0 errors; nothing definitely or indirectly
/// lost) and appends it to `target/tmp/valgrind-summary.txt`, which `make test` prints.
fn record_valgrind_summary(program: &str, args: &[&str]) {
    let log = std::fs::read_to_string(valgrind_log(program)).expect("valgrind wrote its log");
    let summary: Vec<&str> = log
        .lines()
        .map(|line| line.split_once("== ").map_or(line, |(_, text)| text).trim())
        .filter(|text| {
            text.starts_with("ERROR SUMMARY")
                || text.starts_with("definitely lost")
                || text.starts_with("indirectly lost")
                || text.starts_with("All heap blocks were freed")
        })
        .collect();
    assert!(
        summary
            .iter()
            .any(|line| line.starts_with("ERROR SUMMARY: 0 errors")),
        "valgrind reports errors for {program}:\n{log}"
    );
    for kind in ["definitely lost", "indirectly lost"] {
        assert!(
            summary.iter().all(
                |line| !line.starts_with(kind) || line.starts_with(&format!("{kind}: 0 bytes"))
            ),
            "valgrind reports leaks for {program}:\n{log}"
        );
    }
    // Long arguments (signatures, paths) are shortened: the line says which run it was.
    let shown: Vec<String> = args
        .iter()
        .map(|a| match a.char_indices().nth(24) {
            Some((at, _)) => format!("{}…", &a[..at]),
            None => (*a).to_owned(),
        })
        .collect();
    let line = format!("{program} {}: {}\n", shown.join(" "), summary.join("; "));
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("valgrind-summary.txt");
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    std::io::Write::write_all(&mut file, line.as_bytes()).unwrap();
}

fn expect_success(out: Output, what: &str) {
    if !out.status.success() {
        let why = match out.status.code() {
            Some(99) => "valgrind found memory errors or leaks".to_owned(),
            Some(code) => format!("exit status {code}"),
            None => format!("killed: {}", out.status),
        };
        panic!(
            "{what} failed ({why})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Compiling programs
// ---------------------------------------------------------------------------------------------

/// The test resolver (`tests/c/shim/stall_dns.c`), built as a shared library that
/// `dns_stall` links ahead of libc.
const SHIM: &str = "wxface_test_stall_dns";

/// The programs that need POSIX, not built for Windows: `fork` calls fork(), and `dns_stall`
/// puts a getaddrinfo of its own ahead of the C library's, which an ELF loader allows and a
/// DLL's imports (wxface.dll takes getaddrinfo from ws2_32.dll) do not.
const POSIX_ONLY: &[&str] = &["fork", "dns_stall"];

/// Linker arguments that MinGW's gcc refuses, left out for Windows: `-rdynamic` lets the
/// library's pthread_create calls reach the one `notifications` defines; on Windows that
/// program counts threads another way (see tests/c/notifications.c).
const POSIX_ONLY_ARGS: &[&str] = &["-rdynamic"];

/// (name, source relative to the crate root, extra arguments before `-lwxface`)
const PROGRAMS: &[(&str, &str, &[&str])] = &[
    ("happy_path", "tests/c/happy_path.c", &[]),
    ("api_error", "tests/c/api_error.c", &[]),
    ("signature_failure", "tests/c/signature_failure.c", &[]),
    ("timeout", "tests/c/timeout.c", &[]),
    ("bad_arguments", "tests/c/bad_arguments.c", &[]),
    ("null_err", "tests/c/null_err.c", &[]),
    ("concurrency", "tests/c/concurrency.c", &["-pthread"]),
    ("fork", "tests/c/fork.c", &[]),
    ("dns_stall", "tests/c/dns_stall.c", &["-l", SHIM]),
    ("config_files", "tests/c/config_files.c", &[]),
    ("k12", "tests/c/k12.c", &[]),
    (
        "notifications",
        "tests/c/notifications.c",
        &["-rdynamic", "-pthread"],
    ),
    ("notify_check", "examples/c/notify_check.c", &[]),
    ("terminate_contract", "examples/c/terminate_contract.c", &[]),
    ("pupil_leaves", "examples/c/pupil_leaves.c", &[]),
];

/// The C++ programs: (name, source relative to the crate root).
const CXX_PROGRAMS: &[(&str, &str)] = &[
    ("cpp_api", "tests/cpp/api.cpp"),
    (
        "cpp_terminate_contract",
        "examples/cpp/terminate_contract.cpp",
    ),
];

/// The directory holding every compiled program and the library they load (set up once per
/// test process).
fn programs() -> &'static Path {
    static DIR: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match DIR.get_or_init(compile_all) {
        Ok(dir) => dir,
        Err(message) => panic!("{message}"),
    }
}

/// Compiles every program into `target/tmp/c_suite/<pid>/`, linked against a private copy of
/// `libwxface.so` there: the programs run for minutes (under valgrind), and a `cargo build` in
/// the same target dir meanwhile must not rewrite the library under them. Directories left by
/// test processes that have ended are removed first.
fn compile_all() -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_suite");
    remove_stale_outputs(&base);
    let out_dir = base.join(std::process::id().to_string());
    std::fs::create_dir_all(&out_dir).map_err(|e| format!("{}: {e}", out_dir.display()))?;
    let lib_dir = match cross_lib_dir() {
        Some(dir) => dir,
        None => library_dir()?,
    };
    let copy = |name: &str, as_name: &str| {
        let lib = lib_dir.join(name);
        std::fs::copy(&lib, out_dir.join(as_name))
            .map(drop)
            .map_err(|e| format!("copying {}: {e}", lib.display()))
    };
    if windows() {
        // The DLL beside the programs, and the import library that -lwxface finds.
        copy("wxface.dll", "wxface.dll")?;
        copy("libwxface.dll.a", "libwxface.dll.a")?;
    } else {
        // The library's SONAME is libwxface.so.<ABI> (build.rs): programs linked with -lwxface
        // load that name, and the linker finds it through the libwxface.so link.
        let soname = format!("libwxface.so.{}", wxface::ffi::wxface_abi_version());
        copy("libwxface.so", &soname)?;
        std::os::unix::fs::symlink(&soname, out_dir.join("libwxface.so"))
            .map_err(|e| format!("linking libwxface.so to {soname}: {e}"))?;
    }
    let ldflags = env_words("WXFACE_C_SUITE_LDFLAGS");

    let cc = compiler("WXFACE_C_SUITE_CC", "CC", "cc");
    if !windows() {
        let mut shim = Command::new(&cc);
        shim.current_dir(root)
            .args([
                "-std=c11", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC", "-pthread",
            ])
            .arg("tests/c/shim/stall_dns.c")
            .arg("-o")
            .arg(out_dir.join(format!("lib{SHIM}.so")))
            .arg("-ldl");
        compile(shim, &cc, "tests/c/shim/stall_dns.c")?;
    }
    for (name, source, extra) in PROGRAMS {
        if windows() && POSIX_ONLY.contains(name) {
            continue;
        }
        let extra = extra
            .iter()
            .filter(|arg| !(windows() && POSIX_ONLY_ARGS.contains(arg)));
        let mut command = Command::new(&cc);
        command
            .current_dir(root)
            .args(["-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .args(["-I", "include", "-I", "tests/c"])
            .arg(source)
            .arg("-o")
            .arg(program_file(&out_dir, name))
            .arg("-L")
            .arg(&out_dir)
            // (MinGW's linker ignores the rpath: Windows finds the DLL beside the program.)
            .arg(format!("-Wl,-rpath,{}", out_dir.display()))
            .args(extra)
            .arg("-lwxface")
            .args(&ldflags);
        compile(command, &cc, source)?;
    }
    let cxx = compiler("WXFACE_C_SUITE_CXX", "CXX", "c++");
    for (name, source) in CXX_PROGRAMS {
        let mut command = Command::new(&cxx);
        command
            .current_dir(root)
            .args(["-std=c++17", "-Wall", "-Wextra", "-Werror", "-pedantic"])
            .args(["-I", "include"])
            .arg(source)
            .arg("-o")
            .arg(program_file(&out_dir, name))
            .arg("-L")
            .arg(&out_dir)
            .arg(format!("-Wl,-rpath,{}", out_dir.display()))
            .arg("-lwxface")
            .args(&ldflags);
        compile(command, &cxx, source)?;
    }
    Ok(out_dir)
}

/// The cross-built library's folder, when the suite runs against one (`WXFACE_C_SUITE_LIB_DIR`).
fn cross_lib_dir() -> Option<PathBuf> {
    std::env::var_os("WXFACE_C_SUITE_LIB_DIR").map(PathBuf::from)
}

/// Whether the programs are built for Windows: the cross-built library is a DLL.
fn windows() -> bool {
    cross_lib_dir().is_some_and(|dir| dir.join("wxface.dll").is_file())
}

/// A compiled program's file in `dir` (MinGW's gcc adds `.exe` to a name without one).
fn program_file(dir: &Path, name: &str) -> PathBuf {
    if windows() {
        dir.join(format!("{name}.exe"))
    } else {
        dir.join(name)
    }
}

/// The compiler named by `cross_var`, else by `var`, else `default`.
fn compiler(cross_var: &str, var: &str, default: &str) -> OsString {
    std::env::var_os(cross_var)
        .or_else(|| std::env::var_os(var))
        .unwrap_or_else(|| default.into())
}

/// The whitespace-separated words of an environment variable (none when it is unset).
fn env_words(name: &str) -> Vec<String> {
    let value = std::env::var(name).unwrap_or_default();
    value.split_whitespace().map(str::to_owned).collect()
}

fn compile(mut command: Command, cc: &OsString, source: &str) -> Result<(), String> {
    let out = command.output().map_err(|e| {
        format!(
            "cannot run the compiler {cc:?} ({e}): the C suite needs one \
             (Debian/Ubuntu: apt-get install gcc g++; or set CC and CXX)"
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "compiling {source} failed:\n{command:?}\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(())
}

/// Removes the output directories (named by pid) of test processes that no longer run.
fn remove_stale_outputs(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.parse::<u32>().ok()) else {
            continue;
        };
        if !Path::new("/proc").join(pid.to_string()).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// The directory holding `libwxface.so`. `cargo test` builds the wxface crate with all its crate
/// types for this test, so the cdylib lies next to this test binary in `target/<profile>/deps`
/// (only `cargo build` copies it up to `target/<profile>`, which is the fallback).
fn library_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    let deps = exe
        .parent()
        .ok_or_else(|| format!("test binary {} has no parent", exe.display()))?;
    for dir in [Some(deps), deps.parent()].into_iter().flatten() {
        if dir.join("libwxface.so").is_file() {
            return Ok(dir.to_path_buf());
        }
    }
    Err(format!(
        "libwxface.so is in neither {} nor its parent: cargo should have built it with the \
         wxface crate (crate-type includes cdylib)",
        deps.display()
    ))
}
