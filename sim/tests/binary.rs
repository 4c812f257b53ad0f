//! The `wxface-sim` binary: the listening line, and `-- CMD` running a command against
//! the simulator with its exit code passed through.

#![cfg(unix)]

use std::process::Command;

#[test]
fn runs_a_command_against_the_simulator() {
    let state_dir = std::env::temp_dir().join(format!("wxface-sim-bin-{}", std::process::id()));
    let output = Command::new(env!("CARGO_BIN_EXE_wxface-sim"))
        .arg("--state-dir")
        .arg(&state_dir)
        .args(["--fault", "status:503:json", "--fault-count", "1", "--"])
        .args([
            "sh",
            "-c",
            r#"echo "child $WXFACE_SIM_URL $WXFACE_SIM_CONFIG $WXFACE_SIM_STATE_DIR"; exit 7"#,
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let mut lines = stdout.lines();
    let listening = lines.next().unwrap();
    let state_dir = std::fs::canonicalize(&state_dir).unwrap();
    let config = state_dir.join("client.json");
    let (url, rest) = listening
        .strip_prefix("wxface-sim listening on ")
        .and_then(|rest| rest.split_once(' '))
        .expect(listening);
    assert!(url.starts_with("https://127.0.0.1:"), "{listening}");
    assert_eq!(rest, format!("config={}", config.display()));
    assert_eq!(
        lines.next().unwrap(),
        format!("child {url} {} {}", config.display(), state_dir.display())
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&config).unwrap()).unwrap();
    assert_eq!(doc["base_url"], url);
    let _ = std::fs::remove_dir_all(&state_dir);
}

#[test]
fn refuses_bad_arguments() {
    for (args, needle) in [
        (&["--fault", "nope"][..], "unknown fault"),
        (&["--notify-url", "localhost:8080"], "http:// or https://"),
        (&["--rotate-platform-certificate-after", "0"], "at least 1"),
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_wxface-sim"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
}
