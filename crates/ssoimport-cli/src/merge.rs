//! `ssoimport merge`.

use std::path::PathBuf;

use clap::Args;
use ssoimport::merge_partials;
use ssoimport::upload::PartOptions;

use crate::convert::chain;
use crate::exit;
use crate::summary::thousands;

#[derive(Args)]
#[command(
    after_help = "Convert shards of the input (files, or slices of one big export) on any machines with
--partial, gather their output directories, then merge them:

  ssoimport convert --partial shard-1.ndjson --out parts/1
  ssoimport convert --partial shard-2.ndjson --out parts/2
  ssoimport merge merged parts/1 parts/2

merged/ then holds the SsoApplicationRoster and ApplicationDiscovery parts that one conversion of both shards
would write, byte for byte, whatever the order of the shards. Usage parts stay in the shard directories."
)]
pub(crate) struct MergeArgs {
    /// Directory to write the merged roster and discovery parts and manifest to.
    #[arg(value_name = "OUT")]
    out: PathBuf,

    /// Output directories of `convert --partial` runs, in any order.
    #[arg(required = true, value_name = "PARTIAL_DIR")]
    shards: Vec<PathBuf>,

    /// Largest compressed size of a part, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 10_000_000)]
    max_part_bytes: u64,

    /// gzip level of the parts: 0 stores them uncompressed, 1 (fastest) to 9 (smallest).
    #[arg(long, value_name = "LEVEL", default_value_t = 6, value_parser = clap::value_parser!(u32).range(0..=9))]
    gzip_level: u32,
}

pub(crate) fn run(args: MergeArgs) -> u8 {
    let parts = PartOptions {
        max_part_bytes: args.max_part_bytes,
        gzip_level: args.gzip_level,
    };
    match merge_partials(&args.shards, &args.out, parts, &()) {
        Ok(manifest) => {
            println!(
                "merged {} shard{}",
                args.shards.len(),
                if args.shards.len() == 1 { "" } else { "s" }
            );
            for task in &manifest.tasks {
                println!(
                    "  {:<22} {:>10} rows in {} part{}",
                    task.task,
                    thousands(task.rows),
                    task.parts.len(),
                    if task.parts.len() == 1 { "" } else { "s" }
                );
            }
            println!("manifest: {}", args.out.join("manifest.json").display());
            exit::OK
        }
        Err(e) => {
            eprintln!("error: {}", chain(&e.into()));
            exit::USAGE_OR_INPUT
        }
    }
}
