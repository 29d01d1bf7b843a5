//! Precompressed copies of the built app: next to every text and wasm file
//! in `dist/`, a `.br` (Brotli, quality 11) and a `.gz` (gzip -9). The relay
//! sends one of them to a browser that accepts it, so a first load moves
//! about a third of the bytes; a file without copies is sent as it is.
//! Trunk empties `dist/` on every build, so a copy never outlives its file.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::tools::Result;

/// Files worth compressing (images and the compressed copies themselves are not).
const EXTENSIONS: [&str; 5] = ["wasm", "js", "css", "html", "svg"];
/// Below this size a copy saves less than the headers that announce it.
const MIN_BYTES: u64 = 1024;

/// Writes `.br` and `.gz` beside every compressible file directly in `dir`;
/// returns how many files got copies.
pub fn dist(dir: &Path) -> Result<usize> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| {
            p.metadata()
                .is_ok_and(|m| m.is_file() && m.len() >= MIN_BYTES)
                && p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| EXTENSIONS.contains(&e))
        })
        .collect();
    files.sort();
    for path in &files {
        file(path)?;
    }
    Ok(files.len())
}

fn file(path: &Path) -> Result<()> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let br = brotli_bytes(&raw)?;
    let gz = gzip_bytes(&raw)?;
    let with = |ext: &str| {
        let mut name = path.as_os_str().to_owned();
        name.push(ext);
        PathBuf::from(name)
    };
    for (copy, bytes) in [(with(".br"), &br), (with(".gz"), &gz)] {
        std::fs::write(&copy, bytes).map_err(|e| format!("{}: {e}", copy.display()))?;
    }
    Ok(())
}

fn brotli_bytes(raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        // Quality 11 (the maximum), window 2^22 bytes: larger than any file here.
        let mut w = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        w.write_all(raw).map_err(|e| format!("brotli: {e}"))?;
        w.flush().map_err(|e| format!("brotli: {e}"))?;
    }
    Ok(out)
}

fn gzip_bytes(raw: &[u8]) -> Result<Vec<u8>> {
    let mut w = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    w.write_all(raw).map_err(|e| format!("gzip: {e}"))?;
    w.finish().map_err(|e| format!("gzip: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn copies_decode_to_the_original_and_other_files_are_left_alone() {
        let dir = std::env::temp_dir().join(format!("tabcoin-compress-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let text = "tabcoin ".repeat(5000);
        std::fs::write(dir.join("app.js"), &text).expect("write");
        std::fs::write(dir.join("logo.png"), [1u8; 2048]).expect("write");
        std::fs::write(dir.join("loader.js"), "importScripts('x.js')").expect("write");
        assert_eq!(
            dist(&dir).expect("compress"),
            1,
            "only app.js is compressible and large enough"
        );
        let len = |name: &str| std::fs::metadata(dir.join(name)).expect("copy").len();
        assert!(len("app.js.br") < len("app.js") && len("app.js.gz") < len("app.js"));

        let mut from_br = String::new();
        brotli::Decompressor::new(
            std::fs::File::open(dir.join("app.js.br")).expect("br"),
            4096,
        )
        .read_to_string(&mut from_br)
        .expect("brotli decodes");
        let mut from_gz = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(dir.join("app.js.gz")).expect("gz"))
            .read_to_string(&mut from_gz)
            .expect("gzip decodes");
        assert_eq!(from_br, text);
        assert_eq!(from_gz, text);
        assert!(!dir.join("logo.png.br").exists());
        assert!(!dir.join("loader.js.gz").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
