//! Terminate calls against the simulator: on one client from 1..T threads, through the Rust
//! API or through the C ABI functions (`wxface::ffi`, the symbols of libwxface.so, called
//! in-process).

use std::ffi::CString;
use std::time::{Duration, Instant};

use wxface::Client;
use wxface::ffi::{
    wxface_client, wxface_client_free, wxface_client_new_from_json, wxface_error,
    wxface_error_free, wxface_error_message, wxface_terminate_contract,
};

use crate::measure::{Latencies, process_cpu_us};

/// The fixture user the simulator (with `--idempotent-terminate`) terminates again and again.
pub const ORG: &str = "DBES323aeb";
pub const USER: &str = "U0000000001";

pub struct Run {
    pub threads: usize,
    pub calls: usize,
    pub wall: Duration,
    pub cpu_us: f64,
    pub latencies: Latencies,
}

impl Run {
    pub fn calls_per_s(&self) -> f64 {
        self.calls as f64 / self.wall.as_secs_f64()
    }
    pub fn cpu_us_per_call(&self) -> f64 {
        self.cpu_us / self.calls as f64
    }
}

pub fn terminate(client: &Client) {
    client
        .terminate_contract(ORG, USER)
        .unwrap_or_else(|e| panic!("terminate_contract failed: {e}"));
}

/// `calls` terminate calls on one shared client, split evenly over `threads` threads.
pub fn run(client: &Client, threads: usize, calls: usize) -> Run {
    let per_thread = calls / threads;
    let cpu_before = process_cpu_us();
    let started = Instant::now();
    let samples: Vec<Vec<Duration>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut samples = Vec::with_capacity(per_thread);
                    for _ in 0..per_thread {
                        let t = Instant::now();
                        terminate(client);
                        samples.push(t.elapsed());
                    }
                    samples
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let wall = started.elapsed();
    let cpu_us = process_cpu_us() - cpu_before;
    Run {
        threads,
        calls: per_thread * threads,
        wall,
        cpu_us,
        latencies: Latencies::new(samples.into_iter().flatten().collect()),
    }
}

/// A client made through the C ABI.
pub struct CClient(*mut wxface_client);

impl CClient {
    pub fn new(config_json: &str) -> CClient {
        let json = CString::new(config_json).unwrap();
        let mut client = std::ptr::null_mut();
        let mut err: *mut wxface_error = std::ptr::null_mut();
        // SAFETY: valid C string and out-pointers for the call.
        let status = unsafe { wxface_client_new_from_json(json.as_ptr(), &mut client, &mut err) };
        check(status as u32, err, "wxface_client_new_from_json");
        CClient(client)
    }

    /// `calls` sequential `wxface_terminate_contract` calls: (wall, CPU µs).
    pub fn run(&self, calls: usize) -> Run {
        let org = CString::new(ORG).unwrap();
        let user = CString::new(USER).unwrap();
        let mut samples = Vec::with_capacity(calls);
        let cpu_before = process_cpu_us();
        let started = Instant::now();
        for _ in 0..calls {
            let t = Instant::now();
            let mut err: *mut wxface_error = std::ptr::null_mut();
            // SAFETY: live client, valid C strings and error out-pointer.
            let status =
                unsafe { wxface_terminate_contract(self.0, org.as_ptr(), user.as_ptr(), &mut err) };
            check(status as u32, err, "wxface_terminate_contract");
            samples.push(t.elapsed());
        }
        Run {
            threads: 1,
            calls,
            wall: started.elapsed(),
            cpu_us: process_cpu_us() - cpu_before,
            latencies: Latencies::new(samples),
        }
    }
}

impl Drop for CClient {
    fn drop(&mut self) {
        // SAFETY: the client came from wxface_client_new_from_json and is freed once.
        unsafe { wxface_client_free(self.0) }
    }
}

fn check(status: u32, err: *mut wxface_error, what: &str) {
    if status == 0 {
        return;
    }
    let message = if err.is_null() {
        String::new()
    } else {
        // SAFETY: a live error from the library; freed right after reading.
        unsafe {
            let m = std::ffi::CStr::from_ptr(wxface_error_message(err))
                .to_string_lossy()
                .into_owned();
            wxface_error_free(err);
            m
        }
    };
    panic!("{what} failed with status {status}: {message}");
}
