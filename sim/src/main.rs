//! `wxface-sim` binary: start the simulator, print where it listens, then serve until a
//! signal or run one command against it (`-- CMD ARGS...`).

mod cli;

use std::ffi::OsString;
use std::io::{self, Write};
use std::process::{Command, ExitCode};

use wxface_sim::Sim;

use cli::{Parsed, USAGE};

fn main() -> ExitCode {
    let cli = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Parsed::Run(cli)) => cli,
        Ok(Parsed::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Parsed::TestIds) => {
            println!("{}", wxface_sim::test_ids::as_json());
            return ExitCode::SUCCESS;
        }
        Err(why) => {
            eprintln!("wxface-sim: {why}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sim = match Sim::start(cli.options) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("wxface-sim: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    if let Some((fault, count)) = cli.fault {
        sim.set_fault(fault, count);
    }
    println!(
        "wxface-sim listening on {} config={}",
        sim.base_url(),
        sim.client_config_path().display()
    );
    // Whoever reads this line (a script, `make demo`) may be waiting on it to start.
    let _ = io::stdout().flush();

    let code = if cli.command.is_empty() {
        match wait_for_signal() {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("wxface-sim: cannot wait for signals: {e}");
                1
            }
        }
    } else {
        run_command(&sim, &cli.command)
    };
    drop(sim);
    ExitCode::from(code)
}

/// Runs CMD with the simulator's coordinates in its environment; its exit code (or
/// 128 + signal number) becomes ours.
fn run_command(sim: &Sim, command: &[OsString]) -> u8 {
    let status = Command::new(&command[0])
        .args(&command[1..])
        .env("WXFACE_SIM_URL", sim.base_url())
        .env("WXFACE_SIM_CONFIG", sim.client_config_path())
        .env("WXFACE_SIM_STATE_DIR", sim.state_dir())
        .status();
    match status {
        Ok(status) => exit_code(status),
        Err(e) => {
            eprintln!("wxface-sim: cannot run {:?}: {e}", command[0]);
            127
        }
    }
}

#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => code as u8,
        (None, Some(signal)) => 128u8.wrapping_add(signal as u8),
        (None, None) => 1,
    }
}

#[cfg(not(unix))]
fn exit_code(status: std::process::ExitStatus) -> u8 {
    status.code().map_or(1, |code| code as u8)
}

/// Blocks until SIGINT or SIGTERM (Ctrl-C elsewhere).
fn wait_for_signal() -> io::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut terminate = signal(SignalKind::terminate())?;
            tokio::select! {
                result = tokio::signal::ctrl_c() => result,
                _ = terminate.recv() => Ok(()),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await
        }
    })
}
