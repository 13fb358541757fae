//! `ssoimport emulator`: a local stand-in for the Import Jobs API and its token endpoint.

use std::io::Write;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::anyhow;
use clap::{Args, ValueEnum};
use ssoimport_emulator::{Credentials, EmulatorConfig, FaultKind, JobTiming, run_until_ctrl_c};

use crate::exit;
use crate::upload::{Failure, report_failure, usage};

#[derive(Args)]
#[command(
    after_help = "Prints its base URL (e.g. http://127.0.0.1:41234) as the first line of
stdout, then serves until Ctrl-C. The token endpoint is {base}/oidc/token; it takes the
refresh token emulator-refresh-token, or the client emulator-client-id with the secret
emulator-client-secret. GET {base}/_emulator/state shows everything it received.

Examples:
  ssoimport emulator --listen 127.0.0.1:8080
  ssoimport emulator --fault-rate 0.3 --seed 7 --token-expiry 2 --fast-jobs
  export FLEXERA_REFRESH_TOKEN=emulator-refresh-token
  ssoimport upload out --org 1 --app 1 --endpoint http://127.0.0.1:8080"
)]
pub(crate) struct EmulatorArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Share of API and token requests that meet an injected fault, 0 to 1.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    fault_rate: f64,

    /// The faults to inject, comma-separated (default: all but lost-response).
    #[arg(long, value_enum, value_delimiter = ',', value_name = "KINDS")]
    faults: Vec<FaultArg>,

    /// Seed of the fault decisions and generated ids.
    #[arg(long, value_name = "S", default_value_t = 0)]
    seed: u64,

    /// Largest accepted upload (compressed bytes as sent); larger ones get 413.
    #[arg(long, value_name = "N", default_value_t = 10_000_000)]
    max_upload_bytes: u64,

    /// Lifetime of an access token, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 3600.0)]
    token_expiry: f64,

    /// Share of import jobs that fail whatever their rows, 0 to 1.
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    job_failure_rate: f64,

    /// Jobs start after 10 ms and run for 40 ms (default: 0.5 s and 2 s).
    #[arg(long)]
    fast_jobs: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum FaultArg {
    /// 500 internal_error (temporary).
    InternalError,
    /// 503 service_unavailable (temporary).
    Unavailable,
    /// 429 with retry-after.
    RateLimited,
    /// The connection closes without an answer.
    DropConnection,
    /// A slow answer.
    Slow,
    /// The request is carried out, then the connection closes without an answer.
    LostResponse,
}

pub(crate) fn run(args: EmulatorArgs) -> u8 {
    match serve(args) {
        Ok(code) => code,
        Err(failure) => report_failure(failure, "emulator", false),
    }
}

fn serve(args: EmulatorArgs) -> Result<u8, Failure> {
    if !(args.token_expiry.is_finite() && args.token_expiry > 0.0 && args.token_expiry <= 1e7) {
        return Err(usage(anyhow!(
            "--token-expiry {}: give a number of seconds above 0",
            args.token_expiry
        )));
    }
    let fault_kinds = if args.faults.is_empty() {
        FaultKind::DEFAULT.to_vec()
    } else {
        args.faults
            .iter()
            .map(|f| match f {
                FaultArg::InternalError => FaultKind::InternalError,
                FaultArg::Unavailable => FaultKind::Unavailable,
                FaultArg::RateLimited => FaultKind::RateLimited,
                FaultArg::DropConnection => FaultKind::DropConnection,
                FaultArg::Slow => FaultKind::Slow,
                FaultArg::LostResponse => FaultKind::LostResponse,
            })
            .collect()
    };
    let config = EmulatorConfig {
        listen: args.listen,
        fault_rate: args.fault_rate,
        fault_kinds,
        seed: args.seed,
        max_upload_bytes: args.max_upload_bytes,
        token_expiry: Duration::from_secs_f64(args.token_expiry),
        job_failure_rate: args.job_failure_rate,
        job_timing: if args.fast_jobs {
            JobTiming::fast()
        } else {
            JobTiming::default()
        },
        credentials: Credentials::default(),
        ..EmulatorConfig::default()
    };
    config.validate().map_err(usage)?;
    if !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} with public test credentials; anyone who can reach it can use it",
            args.listen
        );
    }
    run_until_ctrl_c(config, |base| {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{base}");
        let _ = stdout.flush();
        eprintln!(
            "emulator: token endpoint {base}/oidc/token (refresh token `emulator-refresh-token`), state at \
             {base}/_emulator/state; Ctrl-C stops it"
        );
    })
    .map_err(|e| Failure {
        code: exit::FAILED,
        error: e.into(),
    })?;
    Ok(exit::OK)
}
