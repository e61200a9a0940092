//! Collections as tar archives, one per shard: what a CI job uploads as an artifact. Every
//! `*.jsonl` file in it, at any depth, is a process's collection file, and an
//! `iast-shard.json` its shard's description; anything else is ignored.

use iast_core::collect::{MAX_SHARD, Merge, SHARD_FILE};
use std::io::Read;
use std::path::Path;

/// Whether `path` names an archive rather than a directory, by its name.
pub fn is_archive(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    name.ends_with(".tar") || name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// Feeds the files of the archive at `path` to `merge`, each named `archive!path` in
/// problems.
pub fn read(path: &Path, merge: &mut Merge) -> Result<(), String> {
    let error = |e: std::io::Error| format!("cannot read the archive {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(error)?;
    let reader: Box<dyn Read> = match path.extension().is_some_and(|x| x == "tar") {
        true => Box::new(std::io::BufReader::new(file)),
        false => Box::new(flate2::read::MultiGzDecoder::new(std::io::BufReader::new(
            file,
        ))),
    };
    let mut archive = tar::Archive::new(reader);
    // The path as given: two shards' archives may share a file name.
    let archive_name = path.display();
    for entry in archive.entries().map_err(error)? {
        let mut entry = entry.map_err(error)?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let inner = entry.path().map_err(error)?.into_owned();
        let Some(file_name) = inner.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        let name = format!("{archive_name}!{}", inner.display());
        if file_name == SHARD_FILE {
            let mut bytes = Vec::new();
            entry
                .by_ref()
                .take(MAX_SHARD)
                .read_to_end(&mut bytes)
                .map_err(error)?;
            merge.shard(&name, &bytes);
        } else if file_name.ends_with(".jsonl") {
            merge.file(&name, &mut entry);
        }
    }
    Ok(())
}
