//! wxface-bench: how much a signed, verified call costs the client, next to the floor (one
//! RSA-2048 signature + one verification with the same backend and keys): terminate_contract
//! from 1, 2 and 4 threads, query_user and update_user (two RSA-OAEP encrypted fields), and
//! terminate_contract from C, Python and PHP (what each wrapper adds over the C ABI); and the
//! cold start of a process that makes one call, from C, Python, the PHP CLI and php-cgi, next
//! to a process that only parses the keys, signs once and verifies once (`cold.rs`).
//!
//! Starts `wxface-sim --idempotent-terminate --port 0` as a separate process, so that
//! getrusage(RUSAGE_SELF) here counts the client only, and drives it through the Rust API
//! (`wxface::Client`, the code path the C ABI wraps) and, for comparison, through the C ABI
//! functions themselves. A program, not a test: run it with `scripts/bench` (`make bench`),
//! which builds the C programs and the Python venv and passes --c-loop, --cold-c, --python,
//! --php and --php-cgi.
//!
//! ```text
//! wxface-bench [--calls N] [--rss-calls N] [--cold-runs N] [--sim PATH] [--so PATH]
//!              [--c-loop PATH] [--cold-c PATH] [--python PATH] [--php PATH] [--php-cgi PATH]
//! wxface-bench --only-cold-start [--cold-runs N] [the program paths above]
//! wxface-bench --only-calls --config CLIENT_JSON [--calls N]   # one line, for bench/peers/run
//! ```

mod calls;
mod cold;
mod floor;
mod measure;
mod ops;
mod rounds;
mod signed;
mod sim;
mod wrappers;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use wxface::{Client, Config};

use calls::{CClient, Run, run, terminate};
use cold::{ColdProcess, ColdStart};
use floor::FloorKeys;
use measure::{Latencies, ms, rss_kib};
use ops::{Op, WAIT_MS, Workload};
use rounds::ByOperation;
use sim::SimProcess;
use wrappers::{LoopProgram, LoopResult};

/// Interleaved rounds for the per-operation and per-wrapper figures (medians of these).
const ROUNDS: usize = 10;

/// The ceiling for what each wrapper adds over C, per call.
const WRAPPER_TARGET: f64 = 0.10;

/// The ceiling for a C process's cold start (client from JSON, one call), as a multiple of
/// the cold-start floor (key parsing, one signature, one verification).
const COLD_START_TARGET: f64 = 2.0;

struct Args {
    calls: usize,
    rss_calls: usize,
    sim: PathBuf,
    so: PathBuf,
    only_calls: Option<PathBuf>,
    /// The C loop program (bench/wrappers/terminate_loop.c, built by scripts/bench).
    c_loop: Option<PathBuf>,
    /// A Python with the wxface package installed.
    python: Option<PathBuf>,
    /// A PHP CLI with FFI.
    php: Option<PathBuf>,
    /// The C cold-start program (bench/wrappers/cold_call.c, built by scripts/bench).
    cold_c: Option<PathBuf>,
    /// php-cgi, for the one-request cold start.
    php_cgi: Option<PathBuf>,
    /// Counted runs of each cold-start process.
    cold_runs: usize,
    only_cold_start: bool,
}

fn parse_args() -> Args {
    let release = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release");
    let mut args = Args {
        calls: 2000,
        rss_calls: 10_000,
        sim: release.join("wxface-sim"),
        so: release.join("libwxface.so"),
        only_calls: None,
        c_loop: None,
        python: None,
        php: None,
        cold_c: None,
        php_cgi: None,
        cold_runs: 15,
        only_cold_start: false,
    };
    let mut only_calls = false;
    let mut config = None;
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--calls" => args.calls = value().parse().unwrap_or_else(|_| usage("--calls N")),
            "--rss-calls" => {
                args.rss_calls = value().parse().unwrap_or_else(|_| usage("--rss-calls N"))
            }
            "--sim" => args.sim = value().into(),
            "--so" => args.so = value().into(),
            "--c-loop" => args.c_loop = Some(value().into()),
            "--python" => args.python = Some(value().into()),
            "--php" => args.php = Some(value().into()),
            "--cold-c" => args.cold_c = Some(value().into()),
            "--php-cgi" => args.php_cgi = Some(value().into()),
            "--cold-runs" => {
                args.cold_runs = value().parse().unwrap_or_else(|_| usage("--cold-runs N"))
            }
            "--only-cold-start" => args.only_cold_start = true,
            "--config" => config = Some(PathBuf::from(value())),
            "--only-calls" => only_calls = true,
            other => usage(&format!("unknown argument {other}")),
        }
    }
    if only_calls {
        args.only_calls = Some(config.unwrap_or_else(|| usage("--only-calls needs --config")));
    }
    if args.calls < 4 * ROUNDS || args.rss_calls < 100 || args.cold_runs == 0 {
        usage(&format!(
            "--calls must be at least {}, --rss-calls at least 100 and --cold-runs at least 1",
            4 * ROUNDS
        ));
    }
    args
}

fn usage(problem: &str) -> ! {
    eprintln!("wxface-bench: {problem}");
    eprintln!(
        "usage: wxface-bench [--calls N] [--rss-calls N] [--cold-runs N] [--sim PATH] [--so PATH]\n                    [--c-loop PATH] [--cold-c PATH] [--python PATH] [--php PATH] [--php-cgi PATH]\n       wxface-bench --only-cold-start [--cold-runs N] [the program paths above]\n       wxface-bench --only-calls --config CLIENT_JSON [--calls N]"
    );
    std::process::exit(2);
}

fn main() {
    let args = parse_args();
    if let Some(config) = &args.only_calls {
        only_calls(config, args.calls);
    } else if args.only_cold_start {
        only_cold_start(&args);
    } else {
        full(&args);
    }
}

/// The cold-start table alone, against its own simulator.
fn only_cold_start(args: &Args) {
    let scratch = std::env::temp_dir().join(format!("wxface-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("create scratch dir");
    let state_dir = scratch.join("sim");
    let sim = SimProcess::start(&args.sim, &state_dir, &[]);
    println!("wxface-bench --only-cold-start");
    println!("machine: {}", machine());
    println!();
    let floor_keys = FloorKeys::load(&state_dir);
    let workload = Workload::new(&floor_keys);
    let (cold, c_row) = cold_start(args, &sim, &floor_keys, workload.terminate_ids(), &scratch);
    cold.print();
    println!();
    println!("== targets ==");
    cold_start_target(&cold, c_row);
    drop(sim);
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Every cold-start process that the given programs allow, measured in interleaved rounds,
/// and which row is the C program's.
fn cold_start(
    args: &Args,
    sim: &SimProcess,
    floor_keys: &FloorKeys,
    (org, user): (&str, &str),
    scratch: &Path,
) -> (ColdStart, Option<usize>) {
    let state_dir = sim
        .config_path
        .parent()
        .expect("client.json is in the state dir");
    let config = sim.config_path.as_os_str();
    let wrappers = Path::new(env!("CARGO_MANIFEST_DIR")).join("wrappers");
    let preload = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bindings/php/preload.php");
    let preload = preload.canonicalize().unwrap_or(preload);
    // Built next to this program by the same `cargo build`.
    let floor_program = std::env::current_exe()
        .expect("current_exe")
        .with_file_name("wxface-cold-floor");
    // What every wxface process needs: where the library is (the wrappers look there first;
    // the C program is linked against the same file) and, for PHP, the call's arguments.
    let wxface = |p: ColdProcess| {
        p.env("WXFACE_LIBRARY", &args.so)
            .env("WXFACE_COLD_CONFIG", config)
            .env("WXFACE_COLD_ORG", org)
            .env("WXFACE_COLD_USER", user)
    };

    let mut rows = vec![ColdProcess::new("empty process (true)", "true")];
    let floor = rows.len();
    rows.push(
        ColdProcess::new("floor: parse 2 PEM keys, 1 sign, 1 verify", floor_program).args([
            state_dir.as_os_str().to_owned(),
            floor_keys.response_signature_base64().into(),
        ]),
    );
    let c_row = args.cold_c.as_ref().map(|_| rows.len());
    if let Some(c) = &args.cold_c {
        rows.push(wxface(
            ColdProcess::new("C: libwxface.so, client from JSON, 1 call", c).args([
                config,
                OsStr::new(org),
                OsStr::new(user),
            ]),
        ));
    }
    if let Some(python) = &args.python {
        let start = rows.len();
        rows.push(ColdProcess::new("python -c pass", python).args(["-c", "pass"]));
        rows.push(wxface(
            ColdProcess::new("python -c 'import wxface'", python)
                .args(["-c", "import wxface"])
                .beyond(start),
        ));
        rows.push(wxface(
            ColdProcess::new("python -c: import, client from JSON, 1 call", python)
                .args(["-c", PYTHON_ONE_CALL])
                .args([config, OsStr::new(org), OsStr::new(user)])
                .beyond(start),
        ));
    }
    let script = wrappers.join("cold_call.php");
    let mut preload_flags = vec![
        format!("opcache.preload={}", preload.display()),
        "ffi.enable=preload".to_owned(),
    ];
    // PHP refuses to preload as root unless told which user to preload as.
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        preload_flags.push("opcache.preload_user=root".to_owned());
    }
    let defines = |flags: &[String]| -> Vec<OsString> {
        flags
            .iter()
            .flat_map(|f| [OsString::from("-d"), OsString::from(f)])
            .collect()
    };
    if let Some(php) = &args.php {
        let start = rows.len();
        rows.push(ColdProcess::new("php -r ''", php).args(["-r", ""]));
        rows.push(wxface(
            ColdProcess::new("php cold_call.php (FFI::cdef, no opcache)", php)
                .args([&script])
                .beyond(start),
        ));
        let start = rows.len();
        let opcache = ["opcache.enable_cli=1".to_owned()];
        rows.push(
            ColdProcess::new("php -d opcache.enable_cli=1 -r ''", php)
                .args(defines(&opcache))
                .args(["-r", ""]),
        );
        rows.push(wxface(
            ColdProcess::new("php + opcache.preload: cold_call.php", php)
                .args(defines(&opcache))
                .args(defines(&preload_flags))
                .args([&script])
                .beyond(start),
        ));
    }
    if let Some(php_cgi) = &args.php_cgi {
        let start = rows.len();
        let opcache = ["opcache.enable=1".to_owned()];
        rows.push(
            ColdProcess::new("php-cgi -f nothing.php", php_cgi)
                .args(["-q"])
                .args(defines(&opcache))
                .args(["-f"])
                .args([wrappers.join("nothing.php")]),
        );
        rows.push(wxface(
            ColdProcess::new("php-cgi + opcache.preload: cold_call.php", php_cgi)
                .args(["-q"])
                .args(defines(&opcache))
                .args(defines(&preload_flags))
                .args(["-f"])
                .args([&script])
                .beyond(start),
        ));
    }
    (cold::measure(rows, floor, args.cold_runs, scratch), c_row)
}

/// `python -c` of the Python cold-start row: argv is CONFIG ORG USER.
const PYTHON_ONE_CALL: &str = "import sys, wxface
with wxface.Client.from_file(sys.argv[1]) as client:
    client.terminate_contract(sys.argv[2], sys.argv[3])";

fn cold_start_target(cold: &ColdStart, c_row: Option<usize>) {
    match c_row.and_then(|i| cold.cpu_over_floor(i)) {
        Some((c, floor, ratio)) => target(
            ratio <= COLD_START_TARGET,
            &format!(
                "C cold start (client from JSON + 1 call) CPU <= {COLD_START_TARGET:.0} x its floor: {c:.1} ms / {floor:.1} ms = {ratio:.2}x"
            ),
        ),
        None => println!("[NOT MET] C cold start: not measured (needs --cold-c, or it failed)"),
    }
}

/// For bench/peers/run: 20 warm-up calls, then `calls` sequential calls on one client, as the
/// peers do; prints `RESULT <name> <calls/s> <CPU µs per call>` lines.
fn only_calls(config_path: &Path, calls: usize) {
    let config = Config::from_json_file(config_path).unwrap_or_else(|e| panic!("{e}"));
    let client = Client::new(config).unwrap_or_else(|e| panic!("{e}"));
    for _ in 0..20 {
        terminate(&client);
    }
    let r = run(&client, 1, calls);
    println!(
        "RESULT wxface(rust) {:.1} {:.1}",
        r.calls_per_s(),
        r.cpu_us_per_call()
    );
    let json = std::fs::read_to_string(config_path).expect("read config");
    let c = CClient::new(&json);
    c.run(20);
    let r = c.run(calls);
    println!(
        "RESULT wxface(C-ABI) {:.1} {:.1}",
        r.calls_per_s(),
        r.cpu_us_per_call()
    );
    // The simulator keeps its keys next to client.json: the floor with the same keys.
    let state_dir = config_path.parent().unwrap_or(Path::new("."));
    let floor = FloorKeys::load(state_dir).measure(2000, 20_000, 100);
    println!("RESULT floor(sign+verify) - {:.1}", floor.total_us());
}

fn full(args: &Args) {
    let scratch = std::env::temp_dir().join(format!("wxface-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("create scratch dir");
    let state_dir = scratch.join("sim");
    let rss_start = rss_kib();
    let sim = SimProcess::start(&args.sim, &state_dir, &[]);
    let json = std::fs::read_to_string(&sim.config_path).expect("read client.json");
    let config = Config::from_json(&json).unwrap_or_else(|e| panic!("client.json: {e}"));

    println!(
        "wxface-bench: {} calls per run, RSS probe at 100 and {} calls",
        args.calls, args.rss_calls
    );
    println!("machine: {}", machine());
    println!(
        "simulator: {} (pid {}, separate process: its CPU is not counted below)",
        sim.base_url,
        sim.pid()
    );
    println!(
        "API driven: wxface::Client (Rust API; the C ABI wraps exactly this call) and, for comparison, the C ABI functions in-process"
    );
    println!();

    // RSS first, while the heap holds nothing else: one client, 100 calls, then up to rss_calls.
    let rss = {
        let client = Client::new(config.clone()).expect("client");
        for _ in 0..100 {
            terminate(&client);
        }
        let after_100 = rss_kib();
        for _ in 100..args.rss_calls {
            terminate(&client);
        }
        (after_100, rss_kib())
    };

    // Floor: same backend, same keys (measured in rounds below, next to the operations).
    let floor_keys = FloorKeys::load(&state_dir);
    let openssl = floor::openssl_speed();

    // Client creation.
    let creation_config = {
        let mut configs: Vec<Config> = (0..200).map(|_| config.clone()).collect();
        let mut samples = Vec::with_capacity(configs.len());
        while let Some(c) = configs.pop() {
            let t = Instant::now();
            let client = Client::new(c).expect("client");
            samples.push(t.elapsed());
            drop(client);
        }
        Latencies::new(samples)
    };
    let creation_json = {
        let mut samples = Vec::with_capacity(50);
        for _ in 0..50 {
            let t = Instant::now();
            let client = Client::new(Config::from_json(&json).expect("config")).expect("client");
            samples.push(t.elapsed());
            drop(client);
        }
        Latencies::new(samples)
    };

    // First call on fresh clients: TLS configuration, TCP connect and TLS handshake included.
    let first_call = {
        let mut samples = Vec::with_capacity(20);
        for _ in 0..20 {
            let client = Client::new(config.clone()).expect("client");
            let t = Instant::now();
            terminate(&client);
            samples.push(t.elapsed());
        }
        Latencies::new(samples)
    };

    // Throughput and CPU: one client shared by 1, 2 and 4 threads.
    let client = Client::new(config.clone()).expect("client");
    for _ in 0..50 {
        terminate(&client);
    }
    // Three interleaved rounds of 1, 2, 4 threads; each row is the round with the median
    // calls/s, so that a burst of load from elsewhere on the machine hits all rows alike.
    let mut rounds: [Vec<Run>; 3] = Default::default();
    for _ in 0..3 {
        for (i, threads) in [1, 2, 4].into_iter().enumerate() {
            rounds[i].push(run(&client, threads, args.calls));
        }
    }
    let runs: Vec<Run> = rounds
        .into_iter()
        .map(|mut r| {
            r.sort_by(|a, b| a.calls_per_s().total_cmp(&b.calls_per_s()));
            r.swap_remove(1)
        })
        .collect();
    let c_abi = {
        let c = CClient::new(&json);
        c.run(50);
        c.run(args.calls)
    };

    // Each operation next to the floor, in interleaved rounds.
    let workload = Workload::new(&floor_keys);
    let per_round = args.calls / ROUNDS;
    let late_sim = SimProcess::start(
        &args.sim,
        &scratch.join("sim-late"),
        &["--fault", &format!("delay:{WAIT_MS}")],
    );
    let late_client = late_sim.client();
    let by_op = rounds::measure(
        &client,
        &late_client,
        &workload,
        &floor_keys,
        ROUNDS,
        per_round,
    );
    let floor = &by_op.floor;
    drop((client, late_client, late_sim));

    // The same terminate calls from C, Python and PHP processes, taking turns.
    let (org, user) = workload.terminate_ids();
    let config_arg = sim.config_path.to_string_lossy().into_owned();
    let by_wrapper = loop_programs(args).map(|programs| {
        wrappers::run(
            &programs,
            &args.so,
            [&config_arg, org, user],
            20,
            ROUNDS,
            per_round,
        )
    });

    // Fresh processes that make one call each, next to the cold-start floor.
    let (cold, c_row) = cold_start(args, &sim, &floor_keys, (org, user), &scratch);

    // Stripped shared library.
    let so = so_sizes(&args.so, &scratch);

    // ---- report ----
    let seq = &runs[0];
    println!("== floor (aws-lc-rs, the keys of client.json) ==");
    println!(
        "RSA-2048 PKCS#1 v1.5 SHA-256 sign    {:>8.1} µs CPU",
        floor.sign_cpu_us
    );
    println!(
        "RSA-2048 PKCS#1 v1.5 SHA-256 verify  {:>8.1} µs CPU",
        floor.verify_cpu_us
    );
    println!(
        "floor = sign + verify                {:>8.1} µs CPU",
        floor.total_us()
    );
    println!(
        "RSA-2048 OAEP SHA-1 encrypt (1 field)  {:>6.1} µs CPU",
        floor.oaep_cpu_us
    );
    println!("(each the median of {ROUNDS} rounds interleaved with the operations below)");
    match &openssl {
        Ok((version, sign, verify)) => println!(
            "openssl speed -seconds 1 rsa2048 ({version}): {sign:.1} sign/s ({:.1} µs), {verify:.1} verify/s ({:.1} µs) => {:.1} µs",
            1e6 / sign,
            1e6 / verify,
            1e6 / sign + 1e6 / verify
        ),
        Err(e) => println!("openssl speed: unavailable ({e})"),
    }
    println!();
    println!(
        "== terminate_contract on one client ({} calls per row; thread rows: median of 3 interleaved rounds) ==",
        args.calls
    );
    println!(
        "{:<22} {:>9} {:>13} {:>9} {:>9} {:>12}",
        "run", "calls/s", "CPU µs/call", "p50 ms", "p99 ms", "CPU/floor"
    );
    for r in &runs {
        print_run(
            &format!(
                "Rust API, {} thread{}",
                r.threads,
                if r.threads == 1 { "" } else { "s" }
            ),
            r,
            floor,
        );
    }
    print_run("C ABI, 1 thread", &c_abi, floor);
    let scaling2 = runs[1].calls_per_s() / seq.calls_per_s();
    let scaling4 = runs[2].calls_per_s() / seq.calls_per_s();
    println!(
        "scaling: 2 threads / 1 thread = {scaling2:.2}x, 4 threads / 1 thread = {scaling4:.2}x ({} CPUs, shared with the simulator)",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    println!();
    print_by_operation(&by_op, per_round);
    println!();
    print_by_wrapper(&by_wrapper, per_round);
    println!();
    cold.print();
    println!();
    println!("== client creation (median of many) ==");
    println!(
        "Client::new(Config) from an in-memory Config (keys already parsed): median {:.3} ms (min {:.3}, p99 {:.3}, n=200)",
        ms(creation_config.percentile(50.0)),
        ms(creation_config.min()),
        ms(creation_config.percentile(99.0))
    );
    println!(
        "Config::from_json(text) + Client::new (PEM key parsing included): median {:.3} ms (min {:.3}, p99 {:.3}, n=50)",
        ms(creation_json.percentile(50.0)),
        ms(creation_json.min()),
        ms(creation_json.percentile(99.0))
    );
    println!(
        "first call on a fresh client (TLS setup, TCP connect, TLS handshake, sign, verify): median {:.3} ms (min {:.3}, max {:.3}, n=20)",
        ms(first_call.percentile(50.0)),
        ms(first_call.min()),
        ms(first_call.max())
    );
    println!();
    println!("== footprint ==");
    println!("RSS at start (before the client): {} KiB", rss_start);
    println!(
        "RSS after 100 calls: {} KiB; after {} calls: {} KiB; growth {} KiB",
        rss.0,
        args.rss_calls,
        rss.1,
        rss.1 as i64 - rss.0 as i64
    );
    match &so {
        Ok((full, stripped)) => println!(
            "libwxface.so: {:.2} MiB as built, {:.2} MiB stripped ({} bytes)",
            *full as f64 / MIB,
            *stripped as f64 / MIB,
            stripped
        ),
        Err(e) => println!("libwxface.so: {e}"),
    }
    println!();

    println!("== targets ==");
    let ratio = seq.cpu_us_per_call() / floor.total_us();
    target(
        ratio <= 1.5,
        &format!(
            "client CPU per call <= 1.5 x floor: {:.1} µs / {:.1} µs = {ratio:.2}x",
            seq.cpu_us_per_call(),
            floor.total_us()
        ),
    );
    for op in Op::ALL {
        let Some(ceiling) = op.target() else {
            continue;
        };
        let ratio = by_op.get(op).cpu_us / floor.total_us();
        target(
            ratio <= ceiling,
            &format!(
                "{} CPU per call <= {ceiling:.2} x floor: {:.1} µs / {:.1} µs = {ratio:.2}x",
                op.label(),
                by_op.get(op).cpu_us,
                floor.total_us()
            ),
        );
    }
    if let Ok(results) = &by_wrapper
        && let Some(Ok(c)) = results.first().map(|r| &r.outcome)
    {
        for result in &results[1..] {
            if let Ok(w) = &result.outcome {
                let overhead = w.overhead_over(c);
                target(
                    overhead <= WRAPPER_TARGET,
                    &format!(
                        "{} adds <= {:.0} % CPU per terminate call over C: {:+.1} %",
                        result.label,
                        WRAPPER_TARGET * 100.0,
                        overhead * 100.0
                    ),
                );
            }
        }
    }
    cold_start_target(&cold, c_row);
    target(
        scaling2 >= 1.7,
        &format!(
            "2 threads >= 1.7 x calls/s of 1 thread: {:.0} / {:.0} = {scaling2:.2}x",
            runs[1].calls_per_s(),
            seq.calls_per_s()
        ),
    );
    let creation = ms(creation_config.percentile(50.0));
    target(
        creation <= 2.0,
        &format!(
            "client creation <= 2 ms: {creation:.3} ms (Client::new from an in-memory Config)"
        ),
    );
    if let Ok((_, stripped)) = &so {
        target(
            (*stripped as f64) <= 6.0 * MIB,
            &format!("stripped .so <= 6 MiB: {:.2} MiB", *stripped as f64 / MIB),
        );
    }
    let growth = rss.1 as i64 - rss.0 as i64;
    target(
        growth <= 2048,
        &format!(
            "RSS after {} calls within 2 MiB of after 100: {:+} KiB",
            args.rss_calls, growth
        ),
    );
    println!("(CPU per call vs the best peer SDK: bench/peers/run)");

    drop(sim);
    let _ = std::fs::remove_dir_all(&scratch);
}

const MIB: f64 = 1024.0 * 1024.0;

/// The loop programs, C first (the baseline), or why the wrapper comparison cannot run.
fn loop_programs(args: &Args) -> Result<Vec<LoopProgram>, String> {
    let (Some(c_loop), Some(python), Some(php)) = (&args.c_loop, &args.python, &args.php) else {
        return Err("needs --c-loop, --python and --php (scripts/bench passes them)".into());
    };
    let script = |name: &str| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("wrappers")
            .join(name)
    };
    Ok(vec![
        LoopProgram {
            label: "C",
            program: c_loop.clone(),
            args: vec![],
        },
        LoopProgram {
            label: "Python wrapper",
            program: python.clone(),
            args: vec![script("terminate_loop.py")],
        },
        LoopProgram {
            label: "PHP wrapper",
            program: php.clone(),
            args: vec![script("terminate_loop.php")],
        },
    ])
}

fn print_by_operation(by_op: &ByOperation, per_round: usize) {
    let floor = &by_op.floor;
    println!(
        "== client CPU per call by operation, next to the floor (Rust API; median of {ROUNDS} interleaved rounds of {per_round} calls) =="
    );
    println!(
        "{:<32} {:>12} {:>8} {:>8} {:>13}",
        "operation", "CPU µs/call", "/ floor", "target", "wall ms/call"
    );
    for op in Op::ALL {
        let figures = by_op.get(op);
        let target = op.target().map_or(String::new(), |t| format!("{t:.2}x"));
        println!(
            "{:<32} {:>12.1} {:>7.2}x {:>8} {:>13.3}",
            op.label(),
            figures.cpu_us,
            figures.cpu_us / floor.total_us(),
            target,
            figures.wall_ms
        );
        if op == Op::UpdateUser {
            // Where update_user's time goes: the floor plus its two encryptions.
            let with_oaep = floor.with_oaep_us(2);
            println!(
                "{:<32} {:>12.1} {:>7.2}x",
                "  floor + 2 RSA-OAEP encryptions",
                with_oaep,
                with_oaep / floor.total_us(),
            );
        }
    }
    println!(
        "{:<32} {:>12.1} {:>7.2}x",
        "floor (sign + verify)",
        floor.total_us(),
        1.0
    );
    let encryption = by_op.get(Op::UpdateUser).cpu_us - by_op.get(Op::UpdatePreEncrypted).cpu_us;
    println!(
        "update_user - same PATCH pre-encrypted (Client::request; same body, same simulator work and wait) = {encryption:.1} µs = {:.1} RSA-OAEP encryptions",
        encryption / floor.oaep_cpu_us
    );
    let wait = by_op.get(Op::TerminateAnsweredLate).cpu_us - by_op.get(Op::Terminate).cpu_us;
    let update = by_op.get(Op::UpdateUser).cpu_us;
    println!(
        "terminate answered later - terminate = {wait:.1} µs: what the wait alone costs the client; update_user less it = {:.1} µs = {:.2}x floor",
        update - wait,
        (update - wait) / floor.total_us()
    );
}

fn print_by_wrapper(by_wrapper: &Result<Vec<LoopResult>, String>, per_round: usize) {
    println!(
        "== terminate_contract from C, Python and PHP (one process each; process CPU over the call loop; median of {ROUNDS} interleaved rounds of {per_round} calls) =="
    );
    let results = match by_wrapper {
        Ok(results) => results,
        Err(why) => {
            println!("not measured: {why}");
            return;
        }
    };
    println!(
        "{:<16} {:>12} {:>12}  what ran",
        "client", "CPU µs/call", "over C"
    );
    // The first program is C, the baseline.
    let c = results.first().and_then(|r| r.outcome.as_ref().ok());
    for (i, result) in results.iter().enumerate() {
        match &result.outcome {
            Ok(m) => {
                let over = match c {
                    _ if i == 0 => "-".to_owned(),
                    Some(c) => format!("{:+.1} %", m.overhead_over(c) * 100.0),
                    None => "(no C)".to_owned(),
                };
                println!(
                    "{:<16} {:>12.1} {:>12}  {}",
                    result.label, m.cpu_us_per_call, over, m.description
                );
            }
            Err(why) => println!("{:<16} not measured: {why}", result.label),
        }
    }
    println!(
        "(over C = median over rounds of wrapper / C in the same round - 1; C calls wxface_terminate_contract, the wrappers wxface_terminate_contract_with_response and build their Response)"
    );
}

fn print_run(name: &str, r: &Run, floor: &floor::Floor) {
    println!(
        "{:<22} {:>9.0} {:>13.1} {:>9.3} {:>9.3} {:>11.2}x",
        name,
        r.calls_per_s(),
        r.cpu_us_per_call(),
        ms(r.latencies.percentile(50.0)),
        ms(r.latencies.percentile(99.0)),
        r.cpu_us_per_call() / floor.total_us()
    );
}

fn target(met: bool, text: &str) {
    println!("[{}] {text}", if met { "MET    " } else { "NOT MET" });
}

/// (size as built, size after `strip` of a copy in `scratch`).
fn so_sizes(so: &Path, scratch: &Path) -> Result<(u64, u64), String> {
    let full = std::fs::metadata(so)
        .map_err(|e| format!("{}: {e}", so.display()))?
        .len();
    let copy = scratch.join("libwxface.stripped.so");
    std::fs::copy(so, &copy).map_err(|e| format!("copy {}: {e}", so.display()))?;
    let status = Command::new("strip")
        .arg(&copy)
        .status()
        .map_err(|e| format!("strip not runnable ({e}); install binutils"))?;
    if !status.success() {
        return Err(format!("strip failed: {status}"));
    }
    let stripped = std::fs::metadata(&copy).map_err(|e| e.to_string())?.len();
    Ok((full, stripped))
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|s| s.trim().to_owned())
        .unwrap_or_default();
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("MemTotal:")
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            })
        })
        .map_or(String::new(), |kib| {
            format!(", {:.1} GiB RAM", kib as f64 / 1024.0 / 1024.0)
        });
    format!(
        "{cpu}, {cpus} CPUs{mem}, Linux {kernel}, {}",
        rustc_profile()
    )
}

fn rustc_profile() -> &'static str {
    if cfg!(debug_assertions) {
        "DEBUG build (numbers meaningless)"
    } else {
        "release build"
    }
}
